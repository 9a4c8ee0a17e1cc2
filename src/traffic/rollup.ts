import type { StoredEvent } from '../events/index.js';
import type { MinuteCounts, TrafficSeries } from './traffic-store.js';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/** The start of the UTC minute holding `t`. */
export function minuteOf(t: number): number {
  return Math.floor(t / MINUTE_MS) * MINUTE_MS;
}

/**
 * Which events count in which series, per recipient (docs/api.md#stats):
 *
 * - accepted: the recipients an `accepted` event queued (suppressed
 *   recipients are not among them: intake drops them before queueing);
 * - delivered: `delivered`, one per recipient;
 * - deferred: `deferred`, one per recipient per failed attempt (a recipient
 *   deferred three times counts three times: it is the retry load);
 * - bounced: `bounced` and `expired`, one per recipient: both end the
 *   recipient with a failure DSN. Bounces that come back later
 *   (`bounce-received`) are not counted: the recipient was counted delivered;
 * - suppressed: `suppressed`, a recipient intake did not queue because the
 *   suppression store lists it.
 *
 * Each event counts in the minute of its own `at`.
 */
export function seriesOf(e: StoredEvent['event']): { readonly series: TrafficSeries; readonly n: number } | undefined {
  switch (e.type) {
    case 'accepted':
      return e.recipients.length > 0 ? { series: 'accepted', n: e.recipients.length } : undefined;
    case 'delivered':
      return { series: 'delivered', n: 1 };
    case 'deferred':
      return { series: 'deferred', n: 1 };
    case 'bounced':
    case 'expired':
      return { series: 'bounced', n: 1 };
    case 'suppressed':
      return { series: 'suppressed', n: 1 };
    default:
      return undefined;
  }
}

/** A batch of events as counts per minute, oldest minute first (what TrafficStore.apply adds). */
export function rollUp(events: readonly StoredEvent[]): MinuteCounts[] {
  const minutes = new Map<number, { -readonly [K in keyof MinuteCounts]: number }>();
  for (const { event } of events) {
    const s = seriesOf(event);
    if (!s) continue;
    const minute = minuteOf(event.at);
    let row = minutes.get(minute);
    if (!row) minutes.set(minute, (row = { minute, accepted: 0, delivered: 0, deferred: 0, bounced: 0, suppressed: 0 }));
    row[s.series] += s.n;
  }
  return [...minutes.values()].sort((a, b) => a.minute - b.minute);
}
