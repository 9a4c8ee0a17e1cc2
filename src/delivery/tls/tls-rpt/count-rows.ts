import { createHash } from 'node:crypto';
import type { LastRow, SendRow } from './tlsrpt-sql.js';
import { policyFromKey, policyKey, type LastTlsResult, type SendState, type TlsRptCount } from './tlsrpt-store.js';

/** A tlsrpt_counts row as both backends read it. */
export interface CountRow {
  readonly day: string;
  readonly report_domain: string;
  readonly result_type: string;
  readonly sending_ip: string;
  readonly receiving_mx: string;
  readonly receiving_ip: string;
  readonly policy: string;
  readonly count: number | string;
}

export function fromCountRow(r: CountRow): TlsRptCount {
  return {
    day: r.day,
    reportDomain: r.report_domain,
    policy: policyFromKey(r.policy),
    resultType: r.result_type,
    sendingIp: r.sending_ip,
    receivingMx: r.receiving_mx,
    receivingIp: r.receiving_ip,
    count: Number(r.count),
  };
}

/** The values of one count in column order: day, report_domain, policy_hash, result_type, sending_ip, receiving_mx, receiving_ip, policy, count. */
export function countValues(c: TlsRptCount): [string, string, string, string, string, string, string, string, number] {
  const policy = policyKey(c.policy);
  const hash = createHash('sha256').update(policy).digest('hex').slice(0, 32);
  return [c.day, c.reportDomain.toLowerCase(), hash, c.resultType, c.sendingIp, c.receivingMx, c.receivingIp, policy, c.count];
}

export const COUNT_COLUMNS = 'day, report_domain, result_type, sending_ip, receiving_mx, receiving_ip, policy, count';

export function toSendState(r: SendRow | undefined): SendState | undefined {
  if (!r) return undefined;
  if (r.status === 'sent') return { status: 'sent', attempts: r.attempts, reportId: r.report_id ?? '' };
  return { status: r.status === 'sending' ? 'sending' : 'failed', attempts: r.attempts, ...(r.error ? { error: r.error } : {}) };
}

export function toLast(r: LastRow | undefined): LastTlsResult | undefined {
  return r ? { domain: r.domain, at: Number(r.at), result: r.result } : undefined;
}

/** finish()'s parameters after day and domain: status, report id, error. */
export function finishValues(outcome: { readonly sent: true; readonly reportId: string } | { readonly sent: false; readonly error: string }): [string, string | null, string | null] {
  return outcome.sent ? ['sent', outcome.reportId, null] : ['failed', null, outcome.error.slice(0, 1000)];
}
