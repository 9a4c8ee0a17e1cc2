import { DeliveryReplies, matchesDomain, type Clock, type Random } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';
import type { Outcome } from '../outcome.js';
import type { Provider } from '../throttle/providers.js';
import type { Admission, Throttle } from '../throttle/throttle.js';
import type { WarmupAllowances } from './allowances.js';
import { pickByWeight, type CompiledPool, type CompiledSource, type EgressPools } from './pools.js';
import { nextUtcDay, utcDay, warmupDayNumber } from './warmup-day.js';

/** How soon an attempt waiting for a reservation round trip asks again. */
const REFILL_WAIT_MS = 20;

export interface EgressThrottleDeps {
  readonly pools: EgressPools;
  readonly allowances: WarmupAllowances;
  /** The shipped provider table merged with config (the shaper's). */
  readonly providers: readonly Provider[];
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
}

/**
 * The egress throttle (DESIGN §9 Throttle, wrapping the shaper): picks the
 * source of each MX or smarthost attempt from the pool of the message's
 * origin, by weight among the sources that still have today's warm-up
 * allowance for the destination's provider. When none has, the attempt is
 * deferred until the next UTC day (or the day a warm-up starts), so a source
 * never sends past its schedule. Local deliveries and mail of no pool pass
 * straight to the shaper.
 */
export class EgressThrottle implements Throttle {
  private readonly providerBySite = new Map<string, string>();
  /** "pool|provider|day" already logged as spent: one line per day, not one per job. */
  private readonly spentLogged = new Set<string>();

  constructor(
    private readonly inner: Throttle,
    private readonly deps: EgressThrottleDeps,
  ) {}

  admit(job: DeliveryJob): Admission {
    if (job.route.kind !== 'mx' && job.route.kind !== 'smarthost') return this.inner.admit(job);
    const pool = this.deps.pools.poolFor(job.message.origin);
    if (!pool) return this.inner.admit(job);
    const now = this.deps.clock.now();
    const provider = this.providerOf(job);
    const need = job.recipients.length;
    const ready: number[] = [];
    let pending = false;
    pool.sources.forEach((source, i) => {
      const answer = this.deps.allowances.check(source, provider, need, now);
      if (answer === 'ok') ready.push(i);
      else if (answer === 'pending') pending = true;
    });
    if (ready.length === 0) {
      if (pending) return { kind: 'wait', until: now + REFILL_WAIT_MS };
      return { kind: 'defer', outcome: this.spent(pool, provider, now), until: this.renewedAt(pool, now) };
    }
    // Ask the shaper only now: its "go" starts a connection budget, which a deferral must not hold.
    const admission = this.inner.admit(job);
    if (admission.kind !== 'go') return admission;
    const source = pickByWeight(pool, ready, this.deps.random);
    this.deps.allowances.take(source, provider, need, now);
    const slot = admission.slot;
    return {
      kind: 'go',
      slot: {
        ...(slot.messagesPerConnection !== undefined ? { messagesPerConnection: slot.messagesPerConnection } : {}),
        egress: source.egress,
        done: (verdicts) => {
          if (sentNothing(verdicts)) this.deps.allowances.giveBack(source, provider, need, now, this.deps.clock.now());
          slot.done(verdicts);
        },
      },
    };
  }

  /**
   * The shaper's limit, and no more than the largest warm-up allowance of the
   * pool's sources for today: a transaction bigger than any day's allowance
   * could never go, so the engine splits it.
   */
  recipientsPerTransaction(job: DeliveryJob): number {
    const limit = this.inner.recipientsPerTransaction(job);
    if (job.route.kind !== 'mx' && job.route.kind !== 'smarthost') return limit;
    const pool = this.deps.pools.poolFor(job.message.origin);
    if (!pool) return limit;
    const now = this.deps.clock.now();
    const provider = this.providerOf(job);
    let largest = 0;
    for (const source of pool.sources) largest = Math.max(largest, this.deps.allowances.allowance(source, provider, now) ?? Infinity);
    return largest > 0 ? Math.min(limit, largest) : limit;
  }

  sweep(): void {
    const now = this.deps.clock.now();
    this.providerBySite.clear();
    this.deps.allowances.sweep(now);
    const today = utcDay(now);
    for (const key of this.spentLogged) if (!key.endsWith(`|${today}`)) this.spentLogged.delete(key);
    this.inner.sweep?.();
  }

  /** The shaping provider whose MX patterns match the site's most preferred MX host; "other" for the rest (and smarthosts). */
  private providerOf(job: DeliveryJob): string {
    const known = this.providerBySite.get(job.siteKey);
    if (known) return known;
    const primary = job.mx?.ok ? job.mx.hosts[0]?.host : undefined;
    const provider = (primary ? this.deps.providers.find((p) => matchesDomain(primary, p.mx))?.name : undefined) ?? 'other';
    // Kept only when the MX hosts were known: a job not yet resolved must not fix its site's provider as "other".
    if (primary || job.route.kind === 'smarthost') this.providerBySite.set(job.siteKey, provider);
    return provider;
  }

  private spent(pool: CompiledPool, provider: string, now: number): Outcome {
    const day = utcDay(now);
    const key = `${pool.name}|${provider}|${day}`;
    if (!this.spentLogged.has(key)) {
      this.spentLogged.add(key);
      this.deps.logger.info({ pool: pool.name, provider, day }, "egress: every source of the pool has sent today's warm-up allowance to this provider; its mail waits for tomorrow");
    }
    return {
      verdict: 'deferred',
      scope: 'message',
      stage: 'connect',
      reply: DeliveryReplies.warmupAllowanceSpent(),
      error: `egress pool "${pool.name}": every source has sent its warm-up allowance for ${day} (UTC) to provider "${provider}"`,
    };
  }

  /** When a source of the pool next gets an allowance: the next UTC day, or a later warm-up start. */
  private renewedAt(pool: CompiledPool, now: number): number {
    return Math.min(...pool.sources.map((s) => startsAt(s, now)));
  }
}

function startsAt(source: CompiledSource, now: number): number {
  const w = source.warmup;
  if (w && warmupDayNumber(w.startMs, now) < 1) return w.startMs;
  return nextUtcDay(now);
}

/** No recipient reached a server (the attempt failed before a transaction): the reservation was not used. */
function sentNothing(verdicts: readonly RecipientVerdict[]): boolean {
  return verdicts.length > 0 && verdicts.every((v) => v.outcome.verdict === 'deferred' && (v.outcome.stage === 'connect' || v.outcome.stage === 'greeting'));
}
