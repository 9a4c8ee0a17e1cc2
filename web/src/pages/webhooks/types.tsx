/** The API's webhook shapes (docs/api.md#webhooks), as the pages read them. */

export interface Lag {
  readonly newestEventId: number;
  readonly pendingEvents: number;
  readonly oldestPendingAt: string | null;
  readonly lagSeconds: number;
}

export interface Webhook {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[] | 'all';
  readonly description: string | null;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly disabledAt: string | null;
  readonly cursor: number;
  readonly failures: number;
  readonly failingSince: string | null;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly lag: Lag;
  readonly lastSuccessAt: string | null;
  readonly lastFailureAt: string | null;
}

export interface Delivery {
  readonly id: number;
  readonly at: string;
  readonly status: number | null;
  readonly ok: boolean;
  readonly durationMs: number;
  readonly events: number;
  readonly firstEventId: number;
  readonly lastEventId: number;
  readonly error: string | null;
  readonly response: string | null;
  readonly bodyLength: number | null;
}

export interface DeliveryWithBody extends Delivery {
  readonly body: string | null;
  readonly bodyTruncated: boolean;
}

export interface TestResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly durationMs: number;
  readonly error: string | null;
  readonly response: string | null;
}

/** "3 events" / "all events". */
export function eventsText(events: Webhook['events']): string {
  return events === 'all' ? 'All events' : events.join(', ');
}

/** The state word of an endpoint: enabled, failing (enabled but its last POSTs failed) or disabled. */
export function stateOf(w: Webhook): 'enabled' | 'failing' | 'disabled' {
  if (!w.enabled) return 'disabled';
  return w.failures > 0 ? 'failing' : 'enabled';
}

/** "caught up" or "12 events, 3 min behind". */
export function lagText(lag: Lag): string {
  if (lag.pendingEvents === 0) return 'Caught up';
  const behind = lag.lagSeconds < 60 ? `${lag.lagSeconds} s` : lag.lagSeconds < 3600 ? `${Math.round(lag.lagSeconds / 60)} min` : `${Math.round(lag.lagSeconds / 3600)} h`;
  return `${lag.pendingEvents.toLocaleString('en-US')} event${lag.pendingEvents === 1 ? '' : 's'} pending, ${behind} behind`;
}

/** The endpoint's state as a word with its tone (the shared Badge has no "failing"). */
export function StateBadge({ webhook }: { readonly webhook: Webhook }) {
  const state = stateOf(webhook);
  const tone = state === 'enabled' ? 'ok' : state === 'failing' ? 'warn' : 'bad';
  return <span className={`badge ${tone}`}>{state}</span>;
}
