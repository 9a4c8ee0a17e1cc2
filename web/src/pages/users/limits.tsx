/** Sending limits and usage, shared by the users and API keys pages (both are senders with quotas: docs/deliverability.md#quotas). */

export const LIMITS = [
  { key: 'messagesPerHour', label: 'Messages per hour' },
  { key: 'messagesPerDay', label: 'Messages per day' },
  { key: 'recipientsPerMessage', label: 'Recipients per message' },
  { key: 'recipientsPerDay', label: 'Recipients per day' },
] as const;

export type LimitKey = (typeof LIMITS)[number]['key'];
export type Limits = Partial<Record<LimitKey, number>>;

export interface Usage {
  readonly limits: Limits;
  readonly hour: { readonly start: string; readonly messages: number; readonly recipients: number };
  readonly day: { readonly start: string; readonly messages: number; readonly recipients: number; readonly bounces: number; readonly complaints: number };
  readonly contained: { readonly at: string; readonly trigger: string; readonly reason: string } | null;
}

/** Number inputs for each limit; empty is no limit of its own. `prefix` keeps ids unique when two forms are on a page. */
export function LimitFields({ prefix, current, placeholder }: { readonly prefix: string; readonly current?: Limits; readonly placeholder?: Limits }) {
  return (
    <div className="limit-fields">
      {LIMITS.map((l) => (
        <label key={l.key}>
          {l.label}
          <input
            name={`${prefix}${l.key}`}
            type="number"
            min={1}
            step={1}
            inputMode="numeric"
            defaultValue={current?.[l.key] ?? ''}
            placeholder={placeholder?.[l.key] !== undefined ? `default ${placeholder[l.key]}` : 'no limit'}
          />
        </label>
      ))}
    </div>
  );
}

/**
 * The limits a form holds, for a PATCH: a number sets a limit, an empty field
 * clears it (null) when `clearEmpty`, or is left out (a new sender has none).
 */
export function limitsFromForm(data: FormData, prefix: string, clearEmpty: boolean): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const l of LIMITS) {
    const text = String(data.get(`${prefix}${l.key}`) ?? '').trim();
    if (text !== '') out[l.key] = Number(text);
    else if (clearEmpty) out[l.key] = null;
  }
  return out;
}

/** "3 of 100" when limited, "3" when not. */
function of(n: number, limit: number | undefined): string {
  return limit === undefined ? n.toLocaleString('en-US') : `${n.toLocaleString('en-US')} of ${limit.toLocaleString('en-US')}`;
}

/** "1 message", but "1 of 50 messages" and "0 messages". */
function plural(n: number, limit: number | undefined, word: string): string {
  return n === 1 && limit === undefined ? word : `${word}s`;
}

/** What a sender used this hour and today against its limits in force. */
export function UsageCell({ usage }: { readonly usage: Usage }) {
  const l = usage.limits;
  const near = (n: number, limit: number | undefined) => limit !== undefined && n >= limit * 0.8;
  return (
    <div className="usage">
      <div className={near(usage.hour.messages, l.messagesPerHour) ? 'warn-text' : undefined}>
        This hour: {of(usage.hour.messages, l.messagesPerHour)} {plural(usage.hour.messages, l.messagesPerHour, 'message')}
      </div>
      <div className={near(usage.day.messages, l.messagesPerDay) || near(usage.day.recipients, l.recipientsPerDay) ? 'warn-text' : undefined}>
        Today: {of(usage.day.messages, l.messagesPerDay)} {plural(usage.day.messages, l.messagesPerDay, 'message')}, {of(usage.day.recipients, l.recipientsPerDay)}{' '}
        {plural(usage.day.recipients, l.recipientsPerDay, 'recipient')}
      </div>
      {(usage.day.bounces > 0 || usage.day.complaints > 0) && (
        <div className="muted">
          {usage.day.bounces} hard bounce{usage.day.bounces === 1 ? '' : 's'}, {usage.day.complaints} complaint{usage.day.complaints === 1 ? '' : 's'} today
        </div>
      )}
    </div>
  );
}

const count = (n: number) => n.toLocaleString('en-US');

/** "100 msg/hour, 1,000 msg/day" or "No limits". */
export function limitsText(l: Limits): string {
  const parts = [
    l.messagesPerHour !== undefined ? `${count(l.messagesPerHour)} msg/hour` : '',
    l.messagesPerDay !== undefined ? `${count(l.messagesPerDay)} msg/day` : '',
    l.recipientsPerMessage !== undefined ? `${count(l.recipientsPerMessage)} rcpt/msg` : '',
    l.recipientsPerDay !== undefined ? `${count(l.recipientsPerDay)} rcpt/day` : '',
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'No limits';
}

/** Containment as a word: the sender's new mail is held while it looks compromised. */
export function ContainedBadge({ contained }: { readonly contained: Usage['contained'] }) {
  if (!contained) return <span className="badge ok">sending</span>;
  return (
    <span className="badge bad" title={contained.reason}>
      contained ({contained.trigger})
    </span>
  );
}
