import { parseConfig } from '../../src/config/index.js';
import type { AuthBlockedEvent } from '../../src/events/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { DefenceDeps } from '../../src/smtp/policy/checks/index.js';
import { MemoryRateCounters } from '../../src/smtp/policy/rate-counters.js';

/** A clock the test moves by hand. */
export interface FakeClock {
  now(): number;
  advance(ms: number): void;
}

export function fakeClock(start = 1_000_000): FakeClock {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/**
 * What the connection-stage defences are built with in unit tests: config
 * sections as given (defaults when empty), in-memory counters on a fake clock,
 * a sleep that records the wait and returns at once, and the events kept.
 */
export function defenceDeps(config: Record<string, unknown> = {}, clock: FakeClock = fakeClock()) {
  const parsed = parseConfig(config, '/tmp');
  const slept: number[] = [];
  const events: AuthBlockedEvent[] = [];
  const deps: DefenceDeps = {
    rateLimits: parsed.rateLimits,
    pregreet: parsed.pregreet,
    authFailures: parsed.authFailures,
    counters: new MemoryRateCounters(clock),
    sleep: async (ms) => void slept.push(ms),
    onEvent: (e) => void events.push(e),
    logger: silentLogger(),
    now: () => clock.now(),
  };
  return { deps, slept, events, clock };
}
