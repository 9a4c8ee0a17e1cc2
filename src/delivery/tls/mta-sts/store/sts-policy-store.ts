import type { StsPolicy } from '../sts-policy.js';

/**
 * The MTA-STS policy cache (RFC 8461 §5.1) that outlives a restart and is
 * shared by a cluster's delivery nodes (DESIGN §9 Store): the last valid
 * policy fetched for each recipient domain. It is what keeps an `enforce`
 * policy in force when an attacker blocks the policy host or the DNS (§10.2),
 * so it must survive restarts. Read once per domain per process; the source
 * keeps an in-memory copy for the delivery hot path (mta-sts-source.ts).
 */
export interface StoredStsPolicy {
  /** The recipient (policy) domain, lower case. */
  readonly domain: string;
  /** The `id` of the `_mta-sts` TXT record the policy was fetched under (§3.1). */
  readonly id: string;
  readonly policy: StsPolicy;
  /** When it was fetched (ms). */
  readonly fetchedAt: number;
  /** fetchedAt + max_age (ms): after this the policy no longer applies unless fetched again. */
  readonly expiresAt: number;
}

export interface StsPolicyStore {
  get(domain: string): Promise<StoredStsPolicy | undefined>;
  /** Keeps the newer of the stored and the given record (by fetchedAt): two nodes fetching at once never go back in time. */
  put(record: StoredStsPolicy): Promise<void>;
  /** Forgets policies that expired before `before` (ms). Returns how many went. */
  prune(before: number): Promise<number>;
  close(): Promise<void>;
}

/** A row as both backends keep it. */
export interface StsPolicyRow {
  readonly domain: string;
  readonly id: string;
  readonly mode: string;
  /** The mx patterns, one per line. */
  readonly mx: string;
  readonly max_age: number | string;
  readonly fetched_at: number | string;
  readonly expires_at: number | string;
}

export function toStored(row: StsPolicyRow): StoredStsPolicy {
  return {
    domain: row.domain,
    id: row.id,
    policy: { mode: row.mode as StsPolicy['mode'], mx: row.mx === '' ? [] : row.mx.split('\n'), maxAge: Number(row.max_age) },
    fetchedAt: Number(row.fetched_at),
    expiresAt: Number(row.expires_at),
  };
}

export function toRowValues(r: StoredStsPolicy): [string, string, string, string, number, number, number] {
  return [r.domain, r.id, r.policy.mode, r.policy.mx.join('\n'), r.policy.maxAge, r.fetchedAt, r.expiresAt];
}
