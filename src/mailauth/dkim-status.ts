import type { DkimConfig } from '../config/index.js';
import { formatDuration } from '../core/index.js';
import type { DkimKeyRecord, DkimKeyState } from './dkim-key-store.js';
import { dkimRecordName, dkimRecordValue } from './dkim-keys.js';
import { checkPublication, type Publication, type TxtLookup } from './dkim-record.js';

/**
 * Each key's state, its record, what DNS says now and what to do: what
 * `baton dkim status` prints and `GET /api/v1/domains/{domain}/dkim-keys`
 * answers (one function, so the two cannot disagree).
 */

/** One key in `baton dkim status` and the API. */
export interface DkimKeyStatus {
  readonly selector: string;
  readonly algorithm: string;
  readonly state: DkimKeyState;
  /** When it entered its state (ISO 8601). */
  readonly since: string;
  /** The record's name and value, as keygen printed them. */
  readonly record: { readonly name: string; readonly value: string };
  /** What DNS says now (a live lookup). */
  readonly dns: { readonly status: Publication['status']; readonly detail?: string };
  /** This key signs the domain's mail now. */
  readonly signs: boolean;
  /** What the operator should know or do, in words. */
  readonly note: string;
}

export interface DkimDomainStatus {
  readonly domain: string;
  /** The selectors that sign now (an RSA and an Ed25519 one with dual signing). */
  readonly signing: readonly string[];
  readonly keys: readonly DkimKeyStatus[];
}

/** Every domain's keys with a live DNS lookup each, in the store's order (oldest first). */
export async function dkimStatus(keys: readonly DkimKeyRecord[], dns: TxtLookup, config: Pick<DkimConfig, 'retireAfter' | 'checkInterval'>): Promise<DkimDomainStatus[]> {
  const lookups = await Promise.all(keys.map((k) => checkPublication(dns, k)));
  const domains = new Map<string, DkimKeyStatus[]>();
  keys.forEach((k, i) => {
    const dns = lookups[i] as Publication;
    const list = domains.get(k.domain) ?? [];
    list.push({
      selector: k.selector,
      algorithm: k.algorithm,
      state: k.state,
      since: new Date(k.stateSince).toISOString(),
      record: { name: dkimRecordName(k.selector, k.domain), value: dkimRecordValue(k.algorithm, k.publicKey) },
      dns: { status: dns.status, ...('detail' in dns ? { detail: dns.detail } : {}) },
      signs: k.state === 'active',
      note: note(k, dns, config),
    });
    domains.set(k.domain, list);
  });
  return [...domains].map(([domain, list]) => ({ domain, signing: list.filter((k) => k.signs).map((k) => k.selector), keys: list }));
}

function note(k: DkimKeyRecord, dns: Publication, config: Pick<DkimConfig, 'retireAfter' | 'checkInterval'>): string {
  switch (k.state) {
    case 'pending-dns':
      if (dns.status === 'published') return 'DNS publishes it: the switch comes at the next check';
      if (dns.status === 'wrong') return 'DNS publishes another record at this name: fix it, Baton will not switch to this key until then';
      return `publish the record; Baton switches to it once DNS has it (checked every ${formatDuration(config.checkInterval)})`;
    case 'active':
      return dns.status === 'published' ? 'signs' : 'signs, but DNS does not publish its record: signatures fail to verify';
    case 'retiring':
      return `keep its DNS record published until ${new Date(k.stateSince + config.retireAfter).toISOString()} (mail signed with it may still be verified)`;
    case 'retired':
      return 'no longer used: its DNS record may be removed';
  }
}
