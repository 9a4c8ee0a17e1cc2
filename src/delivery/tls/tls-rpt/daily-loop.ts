import type { Clock } from '../../../core/index.js';
import type { Logger } from '../../../log/index.js';
import { dayStart, utcDay } from './days.js';
import type { TlsRptReporter } from './reporter.js';
import type { TlsRptStore } from './tlsrpt-store.js';

const DAY_MS = 86_400_000;
/** How often the loop looks whether a report is due: cheap (a comparison) unless one is. */
const CHECK_EVERY_MS = 60_000;

export interface DailyLoopDeps {
  readonly reporter: TlsRptReporter;
  readonly store: TlsRptStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Minutes after midnight UTC before which yesterday's reports are not sent (`tlsRpt.sendAt`). */
  readonly sendAtMinutes: number;
  readonly retryMs: number;
  /** Counts older than this are pruned once a day's reports are done. */
  readonly keepMs: number;
}

/**
 * The daily TLS-RPT run (RFC 8460 §4.1: one report per 24-hour UTC day): once
 * the clock is past `sendAt`, send yesterday's reports; while some failed
 * (and have attempts left), try again every `retryMs`. Runs on the node that
 * holds the `tlsrpt-reporter` lease (main.ts), so one node of a cluster sends.
 */
export class TlsRptDailyLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private doneDay: string | undefined;
  private nextTryAt = 0;

  constructor(private readonly deps: DailyLoopDeps) {}

  start(): void {
    this.running = this.runDue();
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.runDue());
    }, CHECK_EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Send yesterday's reports if they are due and not done. */
  async runDue(): Promise<void> {
    const now = this.deps.clock.now();
    const today = utcDay(now);
    const yesterday = utcDay(dayStart(today) - DAY_MS);
    if (this.doneDay === yesterday || now < this.nextTryAt) return;
    if (now - dayStart(today) < this.deps.sendAtMinutes * 60_000) return;
    try {
      const reports = await this.deps.reporter.sendDay(yesterday);
      if (reports.some((r) => r.status === 'failed')) {
        this.nextTryAt = now + this.deps.retryMs;
        return;
      }
      this.doneDay = yesterday;
      const pruned = await this.deps.store.prune(utcDay(now - this.deps.keepMs));
      this.deps.logger.info({ day: yesterday, domains: reports.length, sent: reports.filter((r) => r.status === 'sent').length, pruned }, 'TLS-RPT reports done for the day');
    } catch (err) {
      this.nextTryAt = now + this.deps.retryMs;
      this.deps.logger.error({ err, day: yesterday }, 'sending the TLS-RPT reports failed; retrying later');
    }
  }
}
