import { loadCaBundle } from '../ca-bundle.js';
import type { Config } from '../../../config/index.js';
import { parseMailbox, type Clock } from '../../../core/index.js';
import type { RecordResolver } from '../../../dns/index.js';
import type { Intake } from '../../../intake/index.js';
import type { Logger } from '../../../log/index.js';
import { TlsRptDailyLoop } from './daily-loop.js';
import { postReport } from './post-report.js';
import { TlsRptRecorder } from './recorder.js';
import { TlsRptReporter } from './reporter.js';
import type { TlsRptStore } from './tlsrpt-store.js';

export { TlsRptRecorder } from './recorder.js';
export { TlsRptReporter, type DomainReport } from './reporter.js';
export { TlsRptDailyLoop } from './daily-loop.js';
export type { TlsRptStore, TlsRptCount, LastTlsResult } from './tlsrpt-store.js';
export { openSqliteTlsRptStore } from './sqlite-tlsrpt-store.js';
export { openPgTlsRptStore } from './pg-tlsrpt-store.js';
export { utcDay, dayStart, previousDay } from './days.js';

/** A claim on a (day, domain) report older than this is a sender that died mid-send. */
const STALE_CLAIM_MS = 15 * 60_000;

export interface ReporterParts {
  readonly config: Pick<Config, 'tlsRpt' | 'hostname' | 'delivery'>;
  readonly store: TlsRptStore;
  readonly resolver: Pick<RecordResolver, 'resolveTxt'>;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where mailed reports are queued (main.ts: the node's intake; the CLI: one on the queue store). */
  readonly intake: Intake;
  /** Trust anchors for https destinations; absent: delivery.caFile's bundle, else Node's. */
  readonly ca?: string | Buffer | readonly string[];
}

/** The reporter from config: header fields with their defaults, https POST and mail through `intake`. */
export function buildReporter(p: ReporterParts): TlsRptReporter {
  const c = p.config.tlsRpt;
  const host = p.config.hostname;
  // The https destinations are checked like every outbound certificate: with delivery.caFile when set.
  const caFile = p.config.delivery.caFile;
  const ca = p.ca ?? (caFile !== undefined ? loadCaBundle(caFile) : undefined);
  return new TlsRptReporter({
    store: p.store,
    resolver: p.resolver,
    clock: p.clock,
    logger: p.logger,
    header: { organization: c.organization ?? host, contact: c.contact ?? `postmaster@${host}`, submitter: host },
    from: c.from ?? `noreply-tlsrpt@${host}`,
    post: (uri, body) => postReport(uri, body, { timeoutMs: c.timeout, ...(ca !== undefined ? { ca } : {}) }),
    mail: (from, to, content) => mailThroughIntake(p.intake, from, to, content),
    maxAttempts: c.attempts,
    staleMs: STALE_CLAIM_MS,
  });
}

/** The daily loop on top of `buildReporter` (a SingletonLoop for cluster.leaders). */
export function buildDailyLoop(p: ReporterParts): TlsRptDailyLoop {
  const [h, m] = p.config.tlsRpt.sendAt.split(':').map(Number) as [number, number];
  return new TlsRptDailyLoop({
    reporter: buildReporter(p),
    store: p.store,
    clock: p.clock,
    logger: p.logger,
    sendAtMinutes: h * 60 + m,
    retryMs: p.config.tlsRpt.retryEvery,
    keepMs: p.config.tlsRpt.keep,
  });
}

/** RFC 8460 §5.3: the report is ordinary mail from us, so it is queued, DKIM-signed and delivered like any other. */
async function mailThroughIntake(intake: Intake, from: string, to: string, content: Buffer): Promise<string> {
  const sender = parseMailbox(from);
  const rcpt = parseMailbox(to);
  if (!sender || !rcpt) throw new Error(`cannot mail a report from ${from} to ${to}: not an address`);
  return intake.submit({ mailFrom: sender, recipients: [{ address: rcpt }], params: {}, origin: { kind: 'local' }, content, isSubmission: false });
}
