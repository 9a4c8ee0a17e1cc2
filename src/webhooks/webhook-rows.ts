import type { EventType } from '../events/index.js';
import type { WebhookDelivery, WebhookEndpoint } from './webhook-store.js';

/**
 * Row shapes and row → object mapping shared by the SQLite and PostgreSQL webhook stores (same
 * columns in both schemas). Flags come back 0/1 from SQLite and boolean from node-postgres.
 */
type DbFlag = number | boolean;

export interface EndpointRow {
  readonly id: string;
  readonly url: string;
  readonly events: string | null;
  readonly secret: string;
  readonly description: string | null;
  readonly enabled: DbFlag;
  readonly disabled_reason: string | null;
  readonly disabled_at: number | null;
  readonly cursor: number;
  readonly failures: number;
  readonly first_failure_at: number | null;
  readonly next_attempt_at: number | null;
  readonly last_error: string | null;
  readonly created_at: number;
}

export interface DeliveryRow {
  readonly id: number;
  readonly at: number;
  readonly status: number | null;
  readonly ok: DbFlag;
  readonly duration_ms: number;
  readonly event_count: number;
  readonly first_event_id: number;
  readonly last_event_id: number;
  readonly error: string | null;
  readonly response: string | null;
  readonly body?: string | null;
  readonly body_length: number | null;
}

const isSet = (flag: DbFlag): boolean => flag === true || flag === 1;

export function toEndpoint(r: EndpointRow): WebhookEndpoint {
  return {
    id: r.id,
    url: r.url,
    ...(r.events !== null ? { events: JSON.parse(r.events) as EventType[] } : {}),
    secret: r.secret,
    ...(r.description !== null ? { description: r.description } : {}),
    cursor: r.cursor,
    createdAt: r.created_at,
    enabled: isSet(r.enabled),
    ...(r.disabled_reason !== null ? { disabledReason: r.disabled_reason } : {}),
    ...(r.disabled_at !== null ? { disabledAt: r.disabled_at } : {}),
    failures: r.failures,
    ...(r.first_failure_at !== null ? { firstFailureAt: r.first_failure_at } : {}),
    ...(r.next_attempt_at !== null ? { nextAttemptAt: r.next_attempt_at } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
  };
}

export function toDelivery(r: DeliveryRow): WebhookDelivery {
  return {
    id: r.id,
    at: r.at,
    ...(r.status !== null ? { status: r.status } : {}),
    ok: isSet(r.ok),
    durationMs: r.duration_ms,
    events: r.event_count,
    firstEventId: r.first_event_id,
    lastEventId: r.last_event_id,
    ...(r.error !== null ? { error: r.error } : {}),
    ...(r.response !== null ? { response: r.response } : {}),
    ...(r.body !== undefined && r.body !== null ? { body: r.body } : {}),
    ...(r.body_length !== null ? { bodyLength: r.body_length } : {}),
  };
}
