import { DeliveryReplies, type Clock, type QueueId, type Random } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { ClaimedMessage, QueueStore } from '../queue/index.js';
import type { Outcome } from './outcome.js';
import { OutcomeRecorder } from './recorder.js';
import { Waker } from './waker.js';
import type { SiteResolution } from './mx.js';
import type { DeliveryJob, RecipientVerdict } from './remote-delivery.js';
import { destinationKey, routeFor, type Route } from './route.js';
import type { Config } from '../config/index.js';

/**
 * The delivery engine (DESIGN §3 steps 5-9): claims due recipients with a
 * lease, groups them per destination into jobs, and runs them under the
 * per-destination and global connection limits. Each worker reuses pooled
 * connections from job to job. A destination that failed at site level is
 * left alone for `delivery.siteBackoff`; its jobs are deferred without a connection.
 */

export interface EngineDeps {
  readonly config: Config;
  readonly store: QueueStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Identifies this node's leases. */
  readonly owner: string;
  /** Sends one job (remote or local); never rejects for a remote failure. */
  readonly deliver: (job: DeliveryJob, body: Buffer) => Promise<RecipientVerdict[]>;
  /** Called after outcomes that finished a message that owes a DSN (the finisher sends it). */
  readonly onFinal: () => void;
  /**
   * The site (DESIGN §7: the set of MX hosts) serving a domain. Domains hosted
   * on the same MX hosts share one destination: one concurrency limit and one
   * back-off. The resolution travels with the job, so it is done once.
   */
  readonly siteOf?: (domain: string) => Promise<SiteResolution>;
  /** Recipients that just passed `delivery.delayWarning` while still pending. */
  readonly onDelayed: (queueId: QueueId, rowIds: ReadonlySet<number>) => Promise<void>;
}

interface Destination {
  readonly key: string;
  readonly jobs: DeliveryJob[];
  active: number;
  backoffUntil: number;
  lastFailure: Outcome | undefined;
}

/** Claimed recipients held in memory at most (bounded ready queues). */
const WINDOW = 2000;
const CLAIM_BATCH = 500;
const IDLE_POLL_MS = 1000;
/** Claims are at least this far apart, so new mail is claimed in batches. */
const CLAIM_GAP_MS = 5;

export class DeliveryEngine {
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waker = new Waker();
  private readonly destinations = new Map<string, Destination>();
  /** Destinations with queued jobs held back only by `delivery.maxConnections`. */
  private readonly waiting = new Set<Destination>();
  private queuedRecipients = 0;
  private activeWorkers = 0;
  private readonly workersDone = new Set<Promise<void>>();
  /** Row ids queued in memory or in flight: never two jobs for one recipient. */
  private readonly held = new Set<number>();
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly adopted: DeliveryJob[] = [];
  private adoptTimer: NodeJS.Timeout | undefined;
  private readonly recorder: OutcomeRecorder;

  constructor(private readonly deps: EngineDeps) {
    this.recorder = new OutcomeRecorder({
      store: deps.store,
      clock: deps.clock,
      random: deps.random,
      retry: deps.config.queue.retry,
      owner: deps.owner,
      logger: deps.logger,
    });
  }

  start(): void {
    this.running = true;
    this.loop = this.takeOver().then(() => this.schedule());
    // Jobs can wait in memory behind a slow destination for longer than a
    // lease: keep every held lease alive, so no other claim (ours included)
    // takes the rows over and sends them twice.
    const leaseMs = this.deps.config.delivery.leaseTime;
    this.renewTimer = setInterval(() => void this.renewLeases(leaseMs), Math.max(1000, Math.floor(leaseMs / 3)));
    this.renewTimer.unref();
  }

  private async renewLeases(leaseMs: number): Promise<void> {
    if (this.held.size === 0) return;
    try {
      await this.deps.store.renewLease([...this.held], { owner: this.deps.owner, now: this.deps.clock.now(), leaseMs });
    } catch (err) {
      this.deps.logger.error({ err }, 'renewing leases failed');
    }
  }

  /**
   * Leases of processes on this host that are gone (a kill -9, a crash) are
   * released at once instead of waiting out `delivery.leaseTime`. Owners are
   * "host:pid:random"; owners on other hosts are left to their lease expiry.
   */
  private async takeOver(): Promise<void> {
    try {
      const [host] = this.deps.owner.split(':');
      const dead = (await this.deps.store.leaseOwners()).filter((owner) => {
        const [ownerHost, pid] = owner.split(':');
        return ownerHost === host && owner !== this.deps.owner && !processAlive(Number(pid));
      });
      if (dead.length === 0) return;
      const rows = await this.deps.store.releaseOwners(dead);
      this.deps.logger.info({ owners: dead, rows }, 'took over the leases of dead processes');
    } catch (err) {
      this.deps.logger.error({ err }, 'taking over dead leases failed; they expire with their lease');
    }
  }

  get owner(): string {
    return this.deps.owner;
  }

  /** Room for a message handed over by intake (see HandOff)? */
  wantsMore(): boolean {
    return this.running && this.queuedRecipients < WINDOW;
  }

  /**
   * A message enqueued already leased to us: deliver it without claiming or
   * reading it back. Adopted messages are started together after the same
   * minimum gap as claims, so a stream of single messages is still worked in
   * batches (their outcomes share commits) and does not compete, message by
   * message, with the next client's commit.
   */
  adopt(claim: ClaimedMessage, body: Buffer): void {
    for (const job of this.splitJobs(claim)) {
      this.queuedRecipients += job.recipients.length;
      this.adopted.push({ ...job, body });
    }
    this.adoptTimer ??= setTimeout(() => {
      this.adoptTimer = undefined;
      for (const job of this.adopted.splice(0)) void this.place(job);
    }, CLAIM_GAP_MS);
  }

  /** New mail may be due: claim now instead of at the next poll. */
  wake(): void {
    this.waker.wake();
  }

  /** Stop claiming, let running attempts finish (bounded), release the rest. */
  async stop(graceMs = 10_000): Promise<void> {
    this.running = false;
    clearInterval(this.renewTimer);
    clearTimeout(this.adoptTimer);
    this.adoptTimer = undefined;
    for (const job of this.adopted.splice(0)) void this.place(job); // released: not running
    this.waker.stop();
    await this.loop;
    const pending: number[] = [];
    for (const dest of this.destinations.values()) {
      for (const job of dest.jobs.splice(0)) {
        pending.push(...job.recipients.map((r) => r.rowId));
        this.release(job);
      }
    }
    if (pending.length > 0) await this.deps.store.releaseLeases(pending, this.deps.owner);
    const all = Promise.allSettled([...this.workersDone]);
    await Promise.race([all, new Promise((r) => setTimeout(r, graceMs).unref())]);
  }

  private async schedule(): Promise<void> {
    while (this.running) {
      this.sweepDestinations();
      let claimed = 0;
      const room = WINDOW - this.queuedRecipients;
      if (room > 0) {
        try {
          claimed = await this.claim(Math.min(room, CLAIM_BATCH));
        } catch (err) {
          this.deps.logger.error({ err }, 'claiming due work failed');
        }
      }
      if (claimed > 0 && claimed >= Math.min(room, CLAIM_BATCH) && this.queuedRecipients < WINDOW) continue;
      await this.waker.sleep(await this.idleDelay(room > 0), CLAIM_GAP_MS);
    }
  }

  private async idleDelay(hadRoom: boolean): Promise<number> {
    if (!hadRoom) return IDLE_POLL_MS; // woken when a job finishes
    const next = await this.deps.store.nextDueAt().catch(() => undefined);
    if (next === undefined) return IDLE_POLL_MS;
    return Math.max(10, Math.min(IDLE_POLL_MS, next - this.deps.clock.now()));
  }



  /** Forget destinations with nothing queued, nothing running and no back-off in force. */
  private sweepDestinations(): void {
    const now = this.deps.clock.now();
    for (const [key, dest] of this.destinations) {
      if (dest.jobs.length === 0 && dest.active === 0 && dest.backoffUntil <= now) this.destinations.delete(key);
    }
  }

  private async claim(limit: number): Promise<number> {
    const now = this.deps.clock.now();
    const claims = await this.deps.store.claimDue({ now, limit, leaseMs: this.deps.config.delivery.leaseTime, owner: this.deps.owner });
    let count = 0;
    for (const claim of claims) {
      for (const job of this.splitJobs(claim)) {
        this.queuedRecipients += job.recipients.length;
        count += job.recipients.length;
        void this.place(job);
      }
    }
    return count;
  }

  /** Queue a job under its site; the MX lookup (usually a cache hit) does not hold up the claim loop. */
  private async place(job: DeliveryJob): Promise<void> {
    const siteOf = this.deps.siteOf;
    if (job.route.kind !== 'mx' || !siteOf) return this.enqueue(job);
    const site = await siteOf(job.domain).catch(() => undefined);
    if (!this.running) {
      // Stopped while looking up: hand the recipients back at once.
      this.queuedRecipients -= job.recipients.length;
      this.release(job);
      await this.deps.store.releaseLeases(job.recipients.map((r) => r.rowId), this.deps.owner).catch(() => {});
      return;
    }
    if (!site) return this.enqueue(job);
    // An unresolvable domain keeps its own destination; its job carries the failure.
    const destination = site.ok ? `site:${site.hosts.map((h) => h.host.toLowerCase()).sort().join(',')}` : job.destination;
    this.enqueue({ ...job, destination, site });
  }

  /**
   * One job per destination and domain, at most `recipientsPerTransaction`
   * recipients each: a transaction carries recipients of one domain.
   */
  private splitJobs(claim: ClaimedMessage): DeliveryJob[] {
    const byDomain = new Map<string, { route: Route; rows: ClaimedMessage['recipients'][number][] }>();
    for (const row of claim.recipients) {
      if (this.held.has(row.rowId)) continue; // its job is still queued or running
      this.held.add(row.rowId);
      const domain = row.address.domain;
      const entry = byDomain.get(domain) ?? { route: routeFor(domain, this.deps.config), rows: [] };
      entry.rows.push(row);
      byDomain.set(domain, entry);
    }
    const per = this.deps.config.delivery.recipientsPerTransaction;
    return [...byDomain].flatMap(([domain, { route, rows }]) => {
      const jobs: DeliveryJob[] = [];
      for (let i = 0; i < rows.length; i += per) {
        jobs.push({ message: claim.message, recipients: rows.slice(i, i + per), domain, route, destination: destinationKey(domain, route) });
      }
      return jobs;
    });
  }

  private enqueue(job: DeliveryJob): void {
    let dest = this.destinations.get(job.destination);
    if (!dest) {
      dest = { key: job.destination, jobs: [], active: 0, backoffUntil: 0, lastFailure: undefined };
      this.destinations.set(job.destination, dest);
    }
    dest.jobs.push(job);
    this.kick(dest);
  }

  /** Start workers for a destination within its and the global connection limit. */
  private kick(dest: Destination): void {
    const { maxConnectionsPerSite, maxConnections } = this.deps.config.delivery;
    while (dest.jobs.length > dest.active && dest.active < maxConnectionsPerSite && this.activeWorkers < maxConnections) {
      dest.active++;
      this.activeWorkers++;
      const done: Promise<void> = this.work(dest).finally(() => {
        dest.active--;
        this.activeWorkers--;
        this.workersDone.delete(done);
        this.kickWaiting();
      });
      this.workersDone.add(done);
    }
    // Work left that only the global limit holds back waits for a free slot.
    if (dest.jobs.length > dest.active && dest.active < maxConnectionsPerSite) this.waiting.add(dest);
    else this.waiting.delete(dest);
  }

  /** A worker finished: give its global slot to destinations waiting for one (not a scan of all). */
  private kickWaiting(): void {
    for (const dest of this.waiting) {
      if (this.activeWorkers >= this.deps.config.delivery.maxConnections) return;
      this.kick(dest);
    }
  }

  private async work(dest: Destination): Promise<void> {
    for (let job = dest.jobs.shift(); job; job = dest.jobs.shift()) {
      try {
        await this.run(dest, job);
      } catch (err) {
        this.deps.logger.error({ err, queueId: job.message.id }, 'delivery job failed');
        await this.recordInternalError(job);
      } finally {
        this.queuedRecipients -= job.recipients.length;
        this.release(job);
        this.wake();
      }
    }
  }

  private release(job: DeliveryJob): void {
    for (const r of job.recipients) this.held.delete(r.rowId);
  }

  /**
   * Our own bug: the recipients are deferred with the normal back-off (never
   * bounced, never retried in a tight loop). If even that cannot be recorded,
   * the leases expire by themselves.
   */
  private async recordInternalError(job: DeliveryJob): Promise<void> {
    const outcome: Outcome = { verdict: 'deferred', scope: 'message', stage: 'connect', reply: DeliveryReplies.localProblem(), error: 'internal error during delivery' };
    try {
      await this.record(job, job.recipients.map((row) => ({ row, outcome })), 0);
    } catch (err) {
      this.deps.logger.error({ err, queueId: job.message.id }, 'recording the failure failed; the lease will expire');
    }
  }

  private async run(dest: Destination, job: DeliveryJob): Promise<void> {
    const now = this.deps.clock.now();
    if (dest.backoffUntil > now && dest.lastFailure) {
      const outcome = dest.lastFailure;
      await this.record(job, job.recipients.map((row) => ({ row, outcome })), dest.backoffUntil);
      return;
    }
    const body = job.body ?? (await this.deps.store.readBody(job.message.id));
    if (!body) return; // deleted while queued in memory
    const verdicts = await this.deps.deliver(job, body);
    const siteFailure = verdicts.find((v) => v.outcome.verdict === 'deferred' && v.outcome.scope === 'site');
    if (siteFailure && this.deps.config.delivery.siteBackoff > 0) {
      dest.backoffUntil = this.deps.clock.now() + this.deps.config.delivery.siteBackoff;
      dest.lastFailure = siteFailure.outcome;
    } else if (verdicts.some((v) => v.outcome.verdict === 'delivered')) {
      dest.backoffUntil = 0;
      dest.lastFailure = undefined;
    }
    await this.record(job, verdicts, 0);
  }

  private async record(job: DeliveryJob, verdicts: readonly RecipientVerdict[], notBefore: number): Promise<void> {
    const { owesDsn, deferred } = await this.recorder.record(job, verdicts, notBefore);
    if (owesDsn) this.deps.onFinal();
    const warnAt = job.message.receivedAt + this.deps.config.delivery.delayWarning;
    if (this.deps.config.delivery.delayWarning > 0 && this.deps.clock.now() >= warnAt) {
      const crossed = job.recipients.filter((r) => deferred.has(r.rowId) && r.updatedAt < warnAt);
      if (crossed.length > 0) await this.deps.onDelayed(job.message.id, new Set(crossed.map((r) => r.rowId)));
    }
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but is not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
