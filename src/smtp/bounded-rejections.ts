import type { RejectedEvent } from '../events/index.js';
import type { RateCounters } from './policy/rate-counters.js';

/** Connect-stage `rejected` events kept per client IP per minute, and per second from all clients. */
export const CONNECT_REJECTIONS = { perClientPerMinute: 10, perSecond: 100 } as const;

/**
 * Bounds the `rejected` events of refused connections (a rate limit, a
 * client that talked first). Each event is a row written to the store; a
 * flood of connections that are all refused must not become a flood of
 * writes competing with the queue's commits (a DoS lever). Past the bounds
 * the refusals still happen, only their events are not kept. Refusals at
 * later stages (MAIL, RCPT, DATA) cost the client a whole session and are
 * all kept, as before.
 */
export function boundedRejections(record: (event: RejectedEvent) => void, counters: RateCounters): (event: RejectedEvent) => void {
  return (event) => {
    if (event.stage === 'connect') {
      const fromClient = counters.hit(`rejected-connect:${event.clientIp}`, 60_000);
      const fromAll = counters.hit('rejected-connect:*', 1000);
      if (fromClient > CONNECT_REJECTIONS.perClientPerMinute || fromAll > CONNECT_REJECTIONS.perSecond) return;
    }
    record(event);
  };
}
