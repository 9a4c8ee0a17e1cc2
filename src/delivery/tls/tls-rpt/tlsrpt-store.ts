/**
 * What TLS-RPT keeps between the node's in-memory counting and the daily
 * report (RFC 8460): session counts per UTC day, report domain, policy and
 * result, and which (day, domain) reports were sent. On the store factory
 * (src/stores/), so a cluster's nodes add into one set of counts and one node's
 * report covers all of them, and a restart neither loses nor repeats a report.
 */

/** The policy a count is under, as the report names it (RFC 8460 §4.4 "policy"). */
export interface ReportPolicy {
  /** RFC 8460 §4.3 policy-type: sts | tlsa | no-policy-found. */
  readonly type: string;
  readonly domain: string;
  readonly strings: readonly string[];
  readonly mxHost: readonly string[];
}

/** The counting key below the policy: empty `resultType` for successes; '' for an IP not known. */
export interface ResultKey {
  readonly resultType: string;
  readonly sendingIp: string;
  readonly receivingMx: string;
  readonly receivingIp: string;
}

/** `count` sessions of one day and report domain under one policy with one result. */
export interface TlsRptCount extends ResultKey {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  /** The domain whose `_smtp._tls` record gets the report: the recipient domain. */
  readonly reportDomain: string;
  readonly policy: ReportPolicy;
  readonly count: number;
}

/** The latest result for mail to a recipient domain (`baton tls check`). */
export interface LastTlsResult {
  readonly domain: string;
  readonly at: number;
  /** "success" or the RFC 8460 result type, with the policy type: "success (sts)". */
  readonly result: string;
}

export type SendState = { readonly status: 'sending' | 'failed'; readonly attempts: number; readonly error?: string } | { readonly status: 'sent'; readonly attempts: number; readonly reportId: string };

export interface TlsRptStore {
  /** Add these counts to what is stored (two nodes adding at once both count) and move the last results forward. */
  add(counts: readonly TlsRptCount[], last: readonly LastTlsResult[]): Promise<void>;
  /** Every count of a day, for the report and `baton tlsrpt show`. */
  countsFor(day: string): Promise<TlsRptCount[]>;
  lastResult(domain: string): Promise<LastTlsResult | undefined>;
  /**
   * Take the right to send (day, domain)'s report: true when nobody has sent
   * it, its last attempt failed with fewer than `maxAttempts` made, or a
   * sender's claim is older than `staleBefore` (it died). One caller wins.
   */
  claim(day: string, domain: string, now: number, opts: { readonly maxAttempts: number; readonly staleBefore: number }): Promise<boolean>;
  /** The claimed send is done: sent (never sent again) or failed (retried later by `claim`). */
  finish(day: string, domain: string, outcome: { readonly sent: true; readonly reportId: string } | { readonly sent: false; readonly error: string }): Promise<void>;
  sendState(day: string, domain: string): Promise<SendState | undefined>;
  /** Forget counts and send records of days before `day` (kept a few weeks for `show`). */
  prune(beforeDay: string): Promise<number>;
  close(): Promise<void>;
}

/** The stored form of a policy: its identity in the counts' key. */
export function policyKey(p: ReportPolicy): string {
  return JSON.stringify([p.type, p.domain, p.strings, p.mxHost]);
}

export function policyFromKey(key: string): ReportPolicy {
  const [type, domain, strings, mxHost] = JSON.parse(key) as [string, string, string[], string[]];
  return { type, domain, strings, mxHost };
}
