import type { QuotaExceededEvent } from '../../src/events/index.js';
import { openSqliteSendingCounters, type SendingCounters } from '../../src/quotas/index.js';
import type { ContainmentCheckDeps, QuotaCheckDeps } from '../../src/smtp/policy/checks/index.js';
import type { ContainedState } from '../../src/users/index.js';

/**
 * What the quota and containment checks are built with in unit tests: real
 * SQLite counters in a temp file (or the ones given), a clock the test moves,
 * and the events they record kept in a list.
 */
export function quotaDeps(counters: SendingCounters, now: { t: number }): QuotaCheckDeps & { readonly recorded: QuotaExceededEvent[] } {
  const recorded: QuotaExceededEvent[] = [];
  return { counters, clock: { now: () => now.t }, record: (e) => recorded.push(e), recorded };
}

/** Nobody is contained but those in `contained`. */
export function containmentDeps(contained: ReadonlyMap<string, ContainedState> = new Map()): ContainmentCheckDeps {
  return { containedState: (user) => contained.get(user) };
}

export function tempCounters(path: string): SendingCounters {
  return openSqliteSendingCounters({ path });
}
