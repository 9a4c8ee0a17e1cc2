import { gzipSync } from 'node:zlib';
import { dayStart } from './days.js';
import { policyKey, type TlsRptCount } from './tlsrpt-store.js';

/** RFC 8460 §4.4 report, field names as the RFC spells them. */
export interface TlsRptReport {
  readonly 'organization-name': string;
  readonly 'date-range': { readonly 'start-datetime': string; readonly 'end-datetime': string };
  readonly 'contact-info': string;
  readonly 'report-id': string;
  readonly policies: readonly ReportPolicyEntry[];
}

export interface ReportPolicyEntry {
  readonly policy: {
    readonly 'policy-type': string;
    readonly 'policy-string'?: readonly string[];
    readonly 'policy-domain': string;
    readonly 'mx-host'?: readonly string[];
  };
  readonly summary: { readonly 'total-successful-session-count': number; readonly 'total-failure-session-count': number };
  readonly 'failure-details'?: readonly FailureDetail[];
}

export interface FailureDetail {
  readonly 'result-type': string;
  readonly 'sending-mta-ip'?: string;
  readonly 'receiving-mx-hostname'?: string;
  readonly 'receiving-ip'?: string;
  readonly 'failed-session-count': number;
}

export interface ReportHeader {
  readonly organization: string;
  readonly contact: string;
  /** Who sends the report (RFC 8460 §5.3 TLS-Report-Submitter): this node's host name. */
  readonly submitter: string;
}

/**
 * A day's report for one report domain. The report id is made of the day,
 * the domain and the submitter, so a report sent again after a failure or a
 * crash carries the same id and the receiver can tell it is not a new one.
 */
export function buildReport(day: string, domain: string, counts: readonly TlsRptCount[], header: ReportHeader): TlsRptReport {
  const start = dayStart(day);
  const byPolicy = new Map<string, TlsRptCount[]>();
  for (const c of counts) {
    if (c.day !== day || c.reportDomain !== domain) continue;
    const key = policyKey(c.policy);
    byPolicy.set(key, [...(byPolicy.get(key) ?? []), c]);
  }
  return {
    'organization-name': header.organization,
    'date-range': { 'start-datetime': isoSeconds(start), 'end-datetime': isoSeconds(start + 86_399_000) },
    'contact-info': header.contact,
    'report-id': reportId(day, domain, header.submitter),
    policies: [...byPolicy.values()].map(policyEntry),
  };
}

export function reportId(day: string, domain: string, submitter: string): string {
  return `${day}T00:00:00Z_${domain}@${submitter}`;
}

function policyEntry(counts: readonly TlsRptCount[]): ReportPolicyEntry {
  const p = (counts[0] as TlsRptCount).policy;
  let ok = 0;
  const failures = new Map<string, FailureDetail>();
  for (const c of counts) {
    if (c.resultType === '') {
      ok += c.count;
      continue;
    }
    const key = `${c.resultType}\0${c.sendingIp}\0${c.receivingMx}\0${c.receivingIp}`;
    const had = failures.get(key);
    failures.set(key, {
      'result-type': c.resultType,
      ...(c.sendingIp ? { 'sending-mta-ip': c.sendingIp } : {}),
      ...(c.receivingMx ? { 'receiving-mx-hostname': c.receivingMx } : {}),
      ...(c.receivingIp ? { 'receiving-ip': c.receivingIp } : {}),
      'failed-session-count': (had?.['failed-session-count'] ?? 0) + c.count,
    });
  }
  const details = [...failures.values()];
  return {
    policy: {
      'policy-type': p.type,
      ...(p.strings.length ? { 'policy-string': p.strings } : {}),
      'policy-domain': p.domain,
      ...(p.mxHost.length ? { 'mx-host': p.mxHost } : {}),
    },
    summary: { 'total-successful-session-count': ok, 'total-failure-session-count': details.reduce((n, d) => n + d['failed-session-count'], 0) },
    ...(details.length ? { 'failure-details': details } : {}),
  };
}

/** The report as sent: JSON, gzipped (RFC 8460 §5.1: "application/tlsrpt+gzip"). */
export function gzipReport(report: TlsRptReport): Buffer {
  return gzipSync(Buffer.from(JSON.stringify(report)));
}

/** RFC 8460 §5.3 file name: submitter!policy-domain!begin!end.json.gz (UNIX seconds). */
export function reportFileName(report: TlsRptReport, submitter: string, domain: string): string {
  const begin = Date.parse(report['date-range']['start-datetime']) / 1000;
  const end = Date.parse(report['date-range']['end-datetime']) / 1000;
  return `${submitter}!${domain}!${begin}!${end}.json.gz`;
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
