import { isIP } from 'node:net';
import type { DnsResolver } from '../../dns/index.js';
import { checkPublication, dkimRecordName, dkimRecordValue, parseTagList, type DkimKeyRecord, type TxtLookup } from '../../mailauth/index.js';

/**
 * The DNS records a sending domain needs, and whether DNS shows them now.
 * Compared by meaning, not text: a DKIM record is published when its p= is
 * the key's (RFC 6376 §3.6.1), SPF when the domain has one SPF record naming
 * this node (RFC 7208 §4.5: two records are an error), DMARC when there is one
 * DMARC record (RFC 7489 §6.6.3), MX when one exchange is this node.
 */

export type RecordStatus = 'published' | 'missing' | 'different' | 'unknown';

export interface DomainRecord {
  readonly name: string;
  readonly type: 'TXT' | 'MX';
  /** What to publish. */
  readonly value: string;
  readonly purpose: 'dkim' | 'spf' | 'dmarc' | 'mx';
  /** published; missing; different (something else is there: see `found`); unknown (the lookup failed, e.g. a timeout). */
  readonly status: RecordStatus;
  /** What DNS has at the name now, when it has something. */
  readonly found?: readonly string[];
  /** What to do, in words, where the status alone does not say. */
  readonly note?: string;
}

export type Dns = TxtLookup & Pick<DnsResolver, 'resolveMx'>;

/** The TXT strings of each record at a name, joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2); undefined when the lookup failed. */
async function txt(dns: Dns, name: string): Promise<string[] | undefined> {
  const r = await dns.resolveTxt(name);
  if (r.ok) return r.value.map((strings) => strings.join(''));
  return r.error.kind === 'temporary' ? undefined : [];
}

export async function dkimRecord(dns: Dns, key: DkimKeyRecord): Promise<DomainRecord> {
  const name = dkimRecordName(key.selector, key.domain);
  const value = dkimRecordValue(key.algorithm, key.publicKey);
  const [p, found] = await Promise.all([checkPublication(dns, key), txt(dns, name)]);
  const status: RecordStatus = p.status === 'wrong' ? 'different' : p.status;
  const note = key.state === 'pending-dns' ? 'Baton signs with this key once DNS publishes it' : key.state === 'retiring' ? 'keep it published until the key is retired' : undefined;
  return { name, type: 'TXT', value, purpose: 'dkim', status, ...(found && found.length ? { found } : {}), ...(note ? { note } : {}) };
}

/**
 * SPF (RFC 7208) naming the addresses this node sends from. Baton knows them
 * only when its listeners are bound to public addresses; otherwise the value
 * is a placeholder and a record that exists counts as published (it cannot
 * be checked).
 */
export async function spfRecord(dns: Dns, domain: string, addresses: readonly string[]): Promise<DomainRecord> {
  const mechanisms = addresses.map((a) => `${isIP(a) === 6 ? 'ip6' : 'ip4'}:${a}`);
  const known = mechanisms.length > 0;
  const value = `v=spf1 ${known ? mechanisms.join(' ') : 'ip4:YOUR.SENDING.IP'} ~all`;
  const found = await txt(dns, domain);
  const base = { name: domain, type: 'TXT' as const, value, purpose: 'spf' as const };
  const placeholder = known ? {} : { note: 'Baton does not know the public address it sends from (its listeners are on loopback or a wildcard): put this host\'s address in place of YOUR.SENDING.IP' };
  if (!found) return { ...base, status: 'unknown', ...placeholder };
  const spf = found.filter((t) => /^v=spf1(\s|$)/i.test(t.trim()));
  if (spf.length === 0) return { ...base, status: 'missing', ...placeholder };
  if (spf.length > 1) return { ...base, status: 'different', found: spf, note: 'more than one SPF record: SPF checks fail with permerror (RFC 7208 §4.5); merge them into one' };
  const terms = new Set((spf[0] ?? '').toLowerCase().split(/\s+/));
  if (!known) return { ...base, status: 'published', found: spf, ...placeholder };
  const missing = mechanisms.filter((m) => !terms.has(m.toLowerCase()));
  return missing.length === 0
    ? { ...base, status: 'published', found: spf }
    : { ...base, status: 'different', found: spf, note: `the SPF record does not name ${missing.join(', ')} (an include: that does is not followed here)` };
}

/** DMARC (RFC 7489): start with p=none and aggregate reports (rua) to see who sends as the domain. */
export async function dmarcRecord(dns: Dns, domain: string): Promise<DomainRecord> {
  const name = `_dmarc.${domain}`;
  const value = `v=DMARC1; p=none; rua=mailto:dmarc-reports@${domain}`;
  const found = await txt(dns, name);
  const base = { name, type: 'TXT' as const, value, purpose: 'dmarc' as const };
  if (!found) return { ...base, status: 'unknown' };
  const dmarc = found.filter((t) => parseTagList(t)?.get('v') === 'DMARC1');
  if (dmarc.length === 0) return { ...base, status: 'missing', note: 'start with p=none, read the reports, then tighten to quarantine or reject' };
  if (dmarc.length > 1) return { ...base, status: 'different', found: dmarc, note: 'more than one DMARC record: receivers apply none (RFC 7489 §6.6.3)' };
  return { ...base, status: 'published', found: dmarc };
}

/** MX (RFC 5321 §5.1) pointing at this node, for domains whose mail Baton receives (local, bounce, unsubscribe). */
export async function mxRecord(dns: Dns, domain: string, hostname: string): Promise<DomainRecord> {
  const value = `10 ${hostname}.`;
  const r = await dns.resolveMx(domain);
  const base = { name: domain, type: 'MX' as const, value, purpose: 'mx' as const };
  if (!r.ok) return { ...base, status: r.error.kind === 'temporary' ? 'unknown' : 'missing' };
  const found = r.value.map((m) => `${m.preference} ${m.exchange.replace(/\.?$/, '.')}`);
  const ours = r.value.some((m) => m.exchange.toLowerCase().replace(/\.$/, '') === hostname.toLowerCase());
  return { ...base, status: ours ? 'published' : found.length ? 'different' : 'missing', ...(found.length ? { found } : {}) };
}
