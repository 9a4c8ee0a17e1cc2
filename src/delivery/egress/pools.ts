import type { EgressConfig } from '../../config/egress-schema.js';
import type { Origin } from '../../core/index.js';
import type { Random } from '../../core/index.js';
import type { EgressSource } from './egress-source.js';
import type { Ramp } from './ramps.js';
import { dayStart, rampOf } from './warmup-day.js';

/** A source as the throttle uses it: the transport's view plus its warm-up. */
export interface CompiledSource {
  readonly egress: EgressSource & { readonly address: string; readonly ehlo: string };
  /** Absent: warm, no daily limit. */
  readonly warmup?: { readonly start: string; readonly startMs: number; readonly ramp: Ramp };
}

export interface CompiledPool {
  readonly name: string;
  readonly sources: readonly CompiledSource[];
  /** Same order as `sources`. */
  readonly weights: readonly number[];
}

/** The pools of `egress` with their sources resolved (the schema checked every name), and the selection rules. */
export class EgressPools {
  private readonly pools = new Map<string, CompiledPool>();

  constructor(private readonly config: EgressConfig) {
    const sources = new Map<string, CompiledSource>(
      config.sources.map((s) => [
        s.name,
        { egress: { name: s.name, address: s.address, ehlo: s.ehlo }, ...(s.warmup ? { warmup: { start: s.warmup.start, startMs: dayStart(s.warmup.start), ramp: rampOf(s.warmup.schedule) } } : {}) },
      ]),
    );
    for (const p of config.pools) {
      const members = p.sources.map((n) => sources.get(n)).filter((s): s is CompiledSource => s !== undefined);
      this.pools.set(p.name, { name: p.name, sources: members, weights: p.weights ?? members.map(() => 1) });
    }
  }

  /**
   * The pool of a message by its origin: the pool its sender named (a
   * campaign's `pool`, when it exists), else its API key, else its authenticated
   * user, else its stream (absent: transactional), else the default pool;
   * undefined: the host's default address and `delivery.heloName`.
   */
  poolFor(origin: Origin): CompiledPool | undefined {
    const { select } = this.config;
    const named = origin.pool !== undefined ? this.pools.get(origin.pool) : undefined;
    if (named) return named;
    const name =
      (origin.apiKey !== undefined ? select.apiKeys[origin.apiKey] : undefined) ??
      (origin.user !== undefined ? select.users[origin.user] : undefined) ??
      select.streams[origin.stream ?? 'transactional'] ??
      select.default;
    return name !== undefined ? this.pools.get(name) : undefined;
  }
}

/** One of `candidates` (indexes into the pool) chosen in proportion to its weight. */
export function pickByWeight(pool: CompiledPool, candidates: readonly number[], random: Random): CompiledSource {
  const total = candidates.reduce((sum, i) => sum + (pool.weights[i] ?? 1), 0);
  let r = random.next() * total;
  for (const i of candidates) {
    r -= pool.weights[i] ?? 1;
    if (r < 0) return pool.sources[i] as CompiledSource;
  }
  // Rounding at the top end of [0, total): the last candidate.
  return pool.sources[candidates[candidates.length - 1] as number] as CompiledSource;
}
