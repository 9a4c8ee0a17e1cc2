import type { Clock } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { CompiledSource } from './pools.js';
import { allowanceOn, dayIndex, utcDay, warmupDayNumber } from './warmup-day.js';
import type { WarmupCounters } from './warmup-store.js';

/** After a failed take (database away): the source counts as pending this long. */
const FAILED_WAIT_MS = 1000;
/** Days of counts kept in the store (the status shows today; the rest helps an operator look back). */
const KEEP_DAYS = 7;

interface Reserve {
  /** The UTC day the tokens belong to: they lapse with it. */
  day: string;
  /** The same day as a number (days since 1970), compared per attempt. */
  dayIndex: number;
  tokens: number;
  /** The store granted less than asked: nothing is left of the day's allowance. */
  spent: boolean;
  refilling: boolean;
  failedUntil: number;
}

export type AllowanceAnswer = 'ok' | 'pending' | 'spent';

/**
 * Each warming source's allowance per provider for today, reserved from the
 * shared counters (WarmupCounters) in small batches ahead of need, so that
 * `Throttle.admit` answers from memory and stays synchronous (the pattern of
 * cluster/cluster-rates.ts). The store never grants past the allowance, and a
 * node spends only what it was granted for the same day: the day's total from
 * any number of nodes stays within it. Tokens a node holds when the day ends
 * or when it stops are lost: under-sending, never over.
 */
export class WarmupAllowances {
  private readonly reserves = new Map<string, Reserve>();
  private prunedFor = '';

  constructor(private readonly deps: { readonly counters: WarmupCounters; readonly clock: Clock; readonly logger: Logger }) {}

  /** Whether `source` may send `need` recipients to `provider` now; starts a refill when it may soon. */
  check(source: CompiledSource, provider: string, need: number, now: number): AllowanceAnswer {
    const allowance = this.allowance(source, provider, now);
    if (allowance === undefined) return 'ok';
    if (allowance < need) return 'spent';
    const r = this.reserve(source, provider, now);
    const batch = batchSize(allowance);
    if (r.tokens >= need) {
      // Fetch the next batch while half of this one is left, so busy sources do not stall on the round trip.
      if (r.tokens - need < batch / 2 && !r.spent && !r.refilling && r.failedUntil <= now) this.refill(source, provider, r, batch, allowance);
      return 'ok';
    }
    if (r.spent) return 'spent';
    if (r.failedUntil > now) return 'pending';
    if (!r.refilling) this.refill(source, provider, r, Math.max(batch, need - r.tokens), allowance);
    return 'pending';
  }

  /** Spend `n` tokens (after `check` said ok and the attempt was admitted). */
  take(source: CompiledSource, provider: string, n: number, now: number): void {
    if (this.allowance(source, provider, now) === undefined) return;
    this.reserve(source, provider, now).tokens -= n;
  }

  /** Put back tokens of an attempt that sent nothing (no connection), if their day is still today. */
  giveBack(source: CompiledSource, provider: string, n: number, takenAt: number, now: number): void {
    if (this.allowance(source, provider, now) === undefined) return;
    const r = this.reserve(source, provider, now);
    if (r.dayIndex === dayIndex(takenAt)) r.tokens += n;
  }

  /** Today's allowance of `source` for `provider`; undefined: warm (no limit). */
  allowance(source: CompiledSource, provider: string, now: number): number | undefined {
    if (!source.warmup) return undefined;
    return allowanceOn(source.warmup.ramp, provider, warmupDayNumber(source.warmup.startMs, now));
  }

  /** Forget reserves of past days (from the throttle's sweep). */
  sweep(now: number): void {
    const index = dayIndex(now);
    for (const [key, r] of this.reserves) if (r.dayIndex !== index && !r.refilling) this.reserves.delete(key);
  }

  private reserve(source: CompiledSource, provider: string, now: number): Reserve {
    const key = `${source.egress.name}|${provider}`;
    const index = dayIndex(now);
    let r = this.reserves.get(key);
    if (!r || r.dayIndex !== index) {
      // A new day: yesterday's unused tokens lapse (spending them today could pass today's allowance).
      const today = utcDay(now);
      r = { day: today, dayIndex: index, tokens: 0, spent: false, refilling: false, failedUntil: 0 };
      this.reserves.set(key, r);
      this.pruneOldDays(today, now);
    }
    return r;
  }

  private refill(source: CompiledSource, provider: string, r: Reserve, want: number, allowance: number): void {
    r.refilling = true;
    const { counters, logger, clock } = this.deps;
    counters.take(r.day, source.egress.name, provider, want, allowance).then(
      (granted) => {
        r.refilling = false;
        // The reserve `r` is the day's: if that day is over, it is no longer in the map and these tokens lapse with it.
        r.tokens += granted;
        if (granted < want) r.spent = true;
      },
      (err: unknown) => {
        r.refilling = false;
        r.failedUntil = clock.now() + FAILED_WAIT_MS;
        logger.error({ err, source: source.egress.name, provider }, 'egress: reserving warm-up allowance failed; the source waits');
      },
    );
  }

  private pruneOldDays(today: string, now: number): void {
    if (this.prunedFor === today) return;
    this.prunedFor = today;
    const before = utcDay(now - KEEP_DAYS * 86_400_000);
    this.deps.counters.prune(before).catch((err: unknown) => this.deps.logger.warn({ err }, 'egress: pruning old warm-up counts failed'));
  }
}

/** A tenth of the day's allowance per round trip (1 to 500): few trips, little stranded on a node that stops. */
export function batchSize(allowance: number): number {
  return Math.min(500, Math.max(1, Math.ceil(allowance / 10)));
}
