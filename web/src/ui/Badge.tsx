/** A short state word with a colour that is never the only signal (the word is always shown). */
const TONES: Readonly<Record<string, 'ok' | 'warn' | 'bad' | 'info'>> = {
  delivered: 'ok',
  published: 'ok',
  active: 'ok',
  enabled: 'ok',
  ok: 'ok',
  pass: 'ok',
  queued: 'info',
  sending: 'info',
  deferred: 'warn',
  held: 'warn',
  pending: 'warn',
  throttled: 'warn',
  bounced: 'bad',
  failed: 'bad',
  suppressed: 'bad',
  disabled: 'bad',
  fail: 'bad',
  missing: 'bad',
};

export function Badge({ value }: { readonly value: string }) {
  return <span className={`badge ${TONES[value.toLowerCase()] ?? 'info'}`}>{value}</span>;
}
