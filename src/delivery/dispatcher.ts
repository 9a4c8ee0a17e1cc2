import { DeliveryReplies, type Clock } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { QueueStore } from '../queue/index.js';
import type { DeliveryJob, RecipientVerdict } from './job.js';
import type { Outcome } from './outcome.js';
import type { OutcomeRecorder } from './recorder.js';
import type { Admission, Throttle, ThrottleSlot } from './throttle/index.js';
import type { OutboundTransforms } from './transforms/index.js';

export interface DispatcherDeps {
  readonly store: Pick<QueueStore, 'readBody'>;
  readonly throttle: Throttle;
  readonly outbound: OutboundTransforms;
  readonly recorder: OutcomeRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  /** A job is over (sent and recorded, deferred, or dropped): its recipients leave memory. */
  readonly finished: (job: DeliveryJob) => void;
  /** One attempt took `ms` on a transport of this route kind (the attempt latency metric). */
  readonly onAttempt?: (transport: string, ms: number) => void;
}

/** The jobs of one site, in the order they came. */
interface Site {
  readonly key: string;
  readonly jobs: DeliveryJob[];
  /** Asked again at this time (a rate limit). */
  timer: NodeJS.Timeout | undefined;
}

/**
 * Runs queued jobs as the throttle admits them (DESIGN §3 steps 6-9): per site
 * a queue of jobs; before each attempt the throttle says go, wait (for a free
 * slot or a time) or defer (a site in back-off). An attempt reads the body if
 * needed, applies the outbound transforms, sends through the job's
 * transport, gives the slot back with the verdicts, and records them.
 */
export class Dispatcher {
  private readonly sites = new Map<string, Site>();
  /** Sites whose next job waits for a slot to be given back. */
  private readonly blocked = new Set<Site>();
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;

  constructor(private readonly deps: DispatcherDeps) {}

  add(job: DeliveryJob): void {
    let site = this.sites.get(job.siteKey);
    if (!site) {
      site = { key: job.siteKey, jobs: [], timer: undefined };
      this.sites.set(job.siteKey, site);
    }
    site.jobs.push(job);
    if (site.jobs.length === 1) this.dispatch(site);
  }

  /** No new attempts; the queued jobs are handed back (their leases are the caller's to release). */
  stop(): DeliveryJob[] {
    this.stopped = true;
    const left: DeliveryJob[] = [];
    for (const site of this.sites.values()) {
      clearTimeout(site.timer);
      left.push(...site.jobs.splice(0));
    }
    this.blocked.clear();
    return left;
  }

  /**
   * Hand back the queued jobs (not the running attempts) and go on: the
   * engine drops them when its leases may have been taken over (after its
   * heartbeat failed) and releases whatever leases are still its own.
   */
  takeQueued(): DeliveryJob[] {
    const left: DeliveryJob[] = [];
    for (const site of this.sites.values()) {
      clearTimeout(site.timer);
      site.timer = undefined;
      left.push(...site.jobs.splice(0));
    }
    this.blocked.clear();
    return left;
  }

  /** Attempts still running (for a bounded graceful stop). */
  running(): Promise<unknown> {
    return Promise.allSettled([...this.inFlight]);
  }

  /** Forget sites with nothing queued or waiting; let the throttle forget its idle budgets. */
  sweep(): void {
    for (const [key, site] of this.sites) {
      if (site.jobs.length === 0 && site.timer === undefined) {
        this.sites.delete(key);
        this.blocked.delete(site);
      }
    }
    this.deps.throttle.sweep?.();
  }

  /** Start what the throttle admits of this site's jobs, in order. Returns false when the node's own limit is full. */
  private dispatch(site: Site): boolean {
    while (!this.stopped && site.jobs.length > 0) {
      const job = site.jobs[0] as DeliveryJob;
      const admission: Admission = this.deps.throttle.admit(job);
      if (admission.kind === 'wait') {
        if (admission.until === undefined) this.blocked.add(site);
        else this.askAgainAt(site, admission.until);
        return admission.global !== true;
      }
      site.jobs.shift();
      if (admission.kind === 'go') this.attempt(job, admission.slot);
      else this.track(job, this.deps.recorder.record(job, job.recipients.map((row) => ({ row, outcome: admission.outcome })), admission.until));
    }
    this.blocked.delete(site);
    return true;
  }

  private askAgainAt(site: Site, at: number): void {
    this.blocked.delete(site);
    if (site.timer) return;
    site.timer = setTimeout(() => {
      site.timer = undefined;
      this.dispatch(site);
    }, Math.max(1, at - this.deps.clock.now()));
  }

  /**
   * A slot was given back: the sites waiting for one try again, until the
   * node's limit is full again. Over a snapshot: a site still held back adds
   * itself to `blocked` again, and must not be visited twice in one pass.
   */
  private slotFreed(): void {
    const waiting = [...this.blocked];
    this.blocked.clear();
    for (const [i, site] of waiting.entries()) {
      if (this.dispatch(site)) continue;
      for (const rest of waiting.slice(i + 1)) this.blocked.add(rest);
      return;
    }
  }

  private attempt(job: DeliveryJob, slot: ThrottleSlot): void {
    let released = false;
    const giveBack = (verdicts: readonly RecipientVerdict[]) => {
      if (released) return;
      released = true;
      slot.done(verdicts);
      this.slotFreed();
    };
    this.track(
      job,
      this.run(job, slot, giveBack)
        .catch(async (err: unknown) => {
          this.deps.logger.error({ err, queueId: job.message.id }, 'delivery job failed');
          giveBack([]);
          await this.recordInternalError(job);
        })
        .finally(() => giveBack([])),
    );
  }

  private async run(job: DeliveryJob, slot: ThrottleSlot, giveBack: (v: readonly RecipientVerdict[]) => void): Promise<void> {
    const body = job.body ?? (await this.deps.store.readBody(job.message.id));
    if (!body) return giveBack([]); // deleted while queued in memory
    const edited = this.deps.outbound.apply({ message: job.message, recipients: job.recipients, route: job.route }, body);
    const message = edited instanceof Promise ? await edited : edited;
    const shaped =
      slot.messagesPerConnection !== undefined || slot.egress !== undefined
        ? {
            ...job,
            ...(slot.messagesPerConnection !== undefined ? { messagesPerConnection: slot.messagesPerConnection } : {}),
            ...(slot.egress !== undefined ? { egress: slot.egress } : {}),
          }
        : job;
    // Timed around the transport alone: the attempt as the remote side sees it (connect or reuse, transaction).
    const started = this.deps.onAttempt ? performance.now() : 0;
    const verdicts = await job.transport.send(shaped, message);
    this.deps.onAttempt?.(job.route.kind, performance.now() - started);
    giveBack(verdicts);
    await this.deps.recorder.record(job, verdicts, 0);
  }

  /**
   * Our own bug: the recipients are deferred with the normal back-off (never
   * bounced, never retried in a tight loop). If even that cannot be recorded,
   * the leases expire by themselves.
   */
  private async recordInternalError(job: DeliveryJob): Promise<void> {
    const outcome: Outcome = { verdict: 'deferred', scope: 'message', stage: 'connect', reply: DeliveryReplies.localProblem(), error: 'internal error during delivery' };
    try {
      await this.deps.recorder.record(job, job.recipients.map((row) => ({ row, outcome })), 0);
    } catch (err) {
      this.deps.logger.error({ err, queueId: job.message.id }, 'recording the failure failed; the lease will expire');
    }
  }

  /**
   * Keep a job's work (an attempt, or a deferral without one) until it ends,
   * then tell the engine. A deferral that cannot be recorded leaves the lease
   * to expire by itself.
   */
  private track(job: DeliveryJob, work: Promise<void>): void {
    const done: Promise<void> = work
      .catch((err: unknown) => this.deps.logger.error({ err, queueId: job.message.id }, 'recording a deferral failed; the lease will expire'))
      .finally(() => {
        this.inFlight.delete(done);
        this.deps.finished(job);
      });
    this.inFlight.add(done);
  }
}
