/**
 * The suppression store (DESIGN §9 Store): addresses Baton must not send to,
 * fed by hard bounces, complaints (ARF), one-click unsubscribes and operators.
 * Every backend passes `suppression-store.contract.ts`; callers never see SQL.
 * Enforcement (at RCPT, at intake) and feeding live elsewhere: this is only
 * what is kept and how it is found.
 */

export const SUPPRESSION_REASONS = ['hard-bounce', 'complaint', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

export interface NewSuppression {
  /** Any case: kept as `suppressionKey(address)`. */
  readonly address: string;
  /**
   * Absent: global, no mail to the address from any sender. A sending domain
   * (lower case): only mail whose envelope sender is in that domain or one of
   * its subdomains (an unsubscribe from one brand's newsletter).
   */
  readonly domain?: string;
  readonly reason: SuppressionReason;
  /** What fed it, for the operator: a queue id, "arf:<reporter>", "csv:<file>", "cli". */
  readonly source?: string;
  readonly createdAt: number;
  /** When it stops applying (ms); absent: never. */
  readonly expiresAt?: number;
}

export interface SuppressionEntry extends NewSuppression {
  /** The stored form: lower case, "local@domain". */
  readonly address: string;
}

export interface SuppressionQuery {
  /** Entries of this address only (any case). */
  readonly address?: string;
  /** Entries of this scope only: a sending domain, or "global". */
  readonly scope?: string;
  readonly reason?: SuppressionReason;
  /**
   * Entries whose address contains this text, any case ("@example.com",
   * "bob"): an operator's search box. Taken literally: "%" and "_" are no
   * wildcards.
   */
  readonly contains?: string;
  /** Entries whose source contains this text, any case ("csv:", "api:ops", a queue id). */
  readonly source?: string;
  /** Cursor: entries ordered by (address, scope) after this entry's. */
  readonly after?: { readonly address: string; readonly domain?: string };
  readonly limit: number;
}

export interface SuppressionStore {
  /**
   * Add or replace, in one commit: an (address, scope) pair already there
   * takes the new reason, source and dates (the latest fact wins). Returns
   * how many were written.
   */
  add(entries: readonly NewSuppression[]): Promise<number>;
  /** Remove the entry of one scope (absent: the global one); `allScopes` removes every entry of the address. Returns how many went. */
  remove(address: string, opts?: { readonly domain?: string; readonly allScopes?: boolean }): Promise<number>;
  /**
   * Which of `addresses` may not receive mail from `senderDomain` (null: the
   * null sender) at time `now`: their global entries, and their entries for
   * that domain or a parent of it; expired entries do not count. Keys are the
   * addresses as given. One call per message: the hot path at intake.
   */
  matching(addresses: readonly string[], senderDomain: string | null, now: number): Promise<Map<string, SuppressionEntry>>;
  /** Entries in (address, scope) order, global first for an address. */
  list(query: SuppressionQuery): Promise<SuppressionEntry[]>;
  count(): Promise<number>;
  close(): Promise<void>;
}

/** The one form an address is kept and looked up in: "local@domain", lower case. */
export function suppressionKey(address: string): string {
  // Local parts may be case-sensitive (RFC 5321 §2.4), but no mailbox
  // provider treats them so: an unsubscribe from Bob@ must stop bob@ too.
  return address.trim().toLowerCase();
}

/** The sending domain and each parent of it: "a.b.example.com" → itself, "b.example.com", "example.com", "com". */
export function domainAndParents(domain: string): string[] {
  const out: string[] = [];
  for (let d = domain.toLowerCase(); d.length > 0; ) {
    out.push(d);
    const dot = d.indexOf('.');
    if (dot < 0) break;
    d = d.slice(dot + 1);
  }
  return out;
}
