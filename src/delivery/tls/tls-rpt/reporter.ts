import type { Clock } from '../../../core/index.js';
import type { RecordResolver } from '../../../dns/index.js';
import type { Logger } from '../../../log/index.js';
import { buildReport, gzipReport, type ReportHeader } from './report.js';
import { buildReportMail } from './report-mail.js';
import { parseTlsRptRecord, type ReportDestination } from './rua.js';
import type { TlsRptStore } from './tlsrpt-store.js';

export interface ReporterDeps {
  readonly store: TlsRptStore;
  readonly resolver: Pick<RecordResolver, 'resolveTxt'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly header: ReportHeader;
  /** The address mailed reports come from. */
  readonly from: string;
  /** POST to an https rua; rejects on failure. */
  readonly post: (uri: string, body: Buffer) => Promise<void>;
  /** Queue a mailed report through our own intake; resolves with the queue id. */
  readonly mail: (from: string, to: string, content: Buffer) => Promise<string>;
  readonly maxAttempts: number;
  /** A claim older than this is taken for dead (its sender crashed mid-send). */
  readonly staleMs: number;
}

/** What happened to one domain's report for the day. */
export interface DomainReport {
  readonly domain: string;
  /**
   * sent: now; already: sent (or being sent) before; no-record: the domain
   * takes no reports; failed: reached no destination, retried later;
   * given-up: failed `attempts` times.
   */
  readonly status: 'sent' | 'already' | 'no-record' | 'failed' | 'given-up';
  readonly reportId?: string;
  readonly reason?: string;
  readonly destinations: readonly { readonly uri: string; readonly ok: boolean; readonly detail: string }[];
}

/**
 * Sends one UTC day's TLS-RPT reports (RFC 8460 §5): for each report domain
 * with counts, the `_smtp._tls` record's `rua` gets the gzipped JSON report.
 * The store's claim makes each (day, domain) report go out once across
 * restarts, nodes and `baton tlsrpt send`; one that reached none of its
 * destinations is tried again by the next run, `maxAttempts` times in all.
 */
export class TlsRptReporter {
  constructor(private readonly deps: ReporterDeps) {}

  async sendDay(day: string): Promise<DomainReport[]> {
    const counts = await this.deps.store.countsFor(day);
    const domains = [...new Set(counts.map((c) => c.reportDomain))].sort();
    const out: DomainReport[] = [];
    for (const domain of domains) {
      const report = await this.sendOne(day, domain, counts).catch((err: unknown): DomainReport => ({ domain, status: 'failed', reason: (err as Error).message, destinations: [] }));
      if (report.status === 'sent' || report.status === 'failed' || report.status === 'given-up') this.deps.logger.info({ day, ...report }, `TLS-RPT report for ${domain}: ${report.status}`);
      out.push(report);
    }
    return out;
  }

  private async sendOne(day: string, domain: string, counts: Parameters<typeof buildReport>[2]): Promise<DomainReport> {
    const { store, clock, maxAttempts } = this.deps;
    const before = await store.sendState(day, domain);
    if (before?.status === 'sent') return { domain, status: 'already', reportId: before.reportId, destinations: [] };
    if (before?.status === 'failed' && before.attempts >= maxAttempts) return { domain, status: 'given-up', ...(before.error ? { reason: before.error } : {}), destinations: [] };
    const txt = await this.deps.resolver.resolveTxt(`_smtp._tls.${domain}`);
    if (!txt.ok) {
      if (txt.error.kind === 'temporary') return { domain, status: 'failed', reason: `_smtp._tls.${domain}: ${txt.error.message}`, destinations: [] };
      return { domain, status: 'no-record', reason: `_smtp._tls.${domain}: ${txt.error.kind}`, destinations: [] };
    }
    const record = parseTlsRptRecord(txt.value);
    if (!record.ok) return { domain, status: 'no-record', reason: `_smtp._tls.${domain}: ${record.reason}`, destinations: [] };
    const now = clock.now();
    if (!(await store.claim(day, domain, now, { maxAttempts, staleBefore: now - this.deps.staleMs }))) return { domain, status: 'already', destinations: [] };
    const report = buildReport(day, domain, counts, this.deps.header);
    const gzipped = gzipReport(report);
    const destinations = [];
    for (const d of record.destinations) destinations.push(await this.deliver(d, domain, report, gzipped));
    const reportId = report['report-id'];
    if (destinations.some((d) => d.ok)) {
      await store.finish(day, domain, { sent: true, reportId });
      return { domain, status: 'sent', reportId, destinations };
    }
    const reason = destinations.map((d) => d.detail).join('; ');
    await store.finish(day, domain, { sent: false, error: reason });
    const after = await store.sendState(day, domain);
    return { domain, status: (after?.attempts ?? 0) >= maxAttempts ? 'given-up' : 'failed', reportId, reason, destinations };
  }

  private async deliver(d: ReportDestination, domain: string, report: Parameters<typeof gzipReport>[0], gzipped: Buffer) {
    try {
      if (d.kind === 'https') {
        await this.deps.post(d.uri, gzipped);
        return { uri: d.uri, ok: true, detail: 'posted' };
      }
      const { from, header, clock } = this.deps;
      const content = buildReportMail({ from, to: d.address, domain, submitter: header.submitter, report, gzipped, at: clock.now() });
      const id = await this.deps.mail(from, d.address, content);
      return { uri: d.uri, ok: true, detail: `queued as ${id}` };
    } catch (err) {
      return { uri: d.uri, ok: false, detail: (err as Error).message };
    }
  }
}
