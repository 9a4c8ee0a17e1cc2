import type { DnsResult } from '../dns/index.js';
import type { DkimAlgorithm } from './dkim-key-store.js';
import { dkimRecordName, keyType } from './dkim-keys.js';

/** What DNS says about a key's record, as a verifier would see it now. */
export type Publication =
  | { readonly status: 'published' }
  /** No record (NXDOMAIN, NODATA, or TXT records that are not DKIM). */
  | { readonly status: 'missing'; readonly detail: string }
  /** A DKIM record is there but not ours: another key, another type, revoked. */
  | { readonly status: 'wrong'; readonly detail: string }
  /** The lookup failed (timeout, SERVFAIL): ask again later. */
  | { readonly status: 'unknown'; readonly detail: string };

export interface TxtLookup {
  resolveTxt(name: string): Promise<DnsResult<readonly (readonly string[])[]>>;
}

/** RFC 6376 §3.2 tag=value list; undefined when it is not one. Values keep inner spaces, ends trimmed. */
export function parseTagList(text: string): Map<string, string> | undefined {
  const tags = new Map<string, string>();
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq < 0) return undefined;
    const name = part.slice(0, eq).trim();
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || tags.has(name)) return undefined;
    tags.set(name, part.slice(eq + 1).trim());
  }
  return tags;
}

/**
 * Compare the TXT records at SELECTOR._domainkey.DOMAIN with the key. Every
 * DKIM record there must be ours: a verifier may pick any of them (RFC 6376
 * §3.6.2.2), so a second, different one makes the key unsafe to sign with.
 */
export async function checkPublication(
  dns: TxtLookup,
  key: { readonly domain: string; readonly selector: string; readonly algorithm: DkimAlgorithm; readonly publicKey: string },
): Promise<Publication> {
  const name = dkimRecordName(key.selector, key.domain);
  const got = await dns.resolveTxt(name);
  if (!got.ok) {
    return got.error.kind === 'temporary'
      ? { status: 'unknown', detail: `${name}: ${got.error.code}` }
      : { status: 'missing', detail: `${name}: ${got.error.kind === 'nxdomain' ? 'no such name' : 'no TXT record'}` };
  }
  // RFC 6376 §3.6.2.2: the strings of one record are joined without separators.
  const records = got.value.map((strings) => strings.join('')).map((text) => ({ text, tags: parseTagList(text) }));
  const dkim = records.filter((r) => r.tags?.has('p') || /^\s*v\s*=\s*DKIM1/.test(r.text));
  if (dkim.length === 0) return { status: 'missing', detail: `${name}: no DKIM record` };
  for (const r of dkim) {
    const wrong = mismatch(r.tags, key.algorithm, key.publicKey);
    if (wrong) return { status: 'wrong', detail: `${name}: ${wrong}` };
  }
  return { status: 'published' };
}

function mismatch(tags: Map<string, string> | undefined, algorithm: DkimAlgorithm, publicKey: string): string | undefined {
  if (!tags) return 'the record is not a tag=value list';
  const v = tags.get('v');
  if (v !== undefined && v !== 'DKIM1') return `v=${v}, not DKIM1`;
  const k = tags.get('k') ?? 'rsa';
  if (k !== keyType(algorithm)) return `k=${k}, not ${keyType(algorithm)}`;
  const p = (tags.get('p') ?? '').replace(/\s+/g, '');
  if (p === '') return 'p= is empty (the key is revoked)';
  if (p !== publicKey) return 'p= is another public key';
  return undefined;
}
