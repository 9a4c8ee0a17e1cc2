import type { EventType } from '../events/index.js';

/**
 * The webhook store (DESIGN §9 Store): the endpoints events are POSTed to,
 * each with its cursor in the events outbox and its failure state, and a
 * short log of recent deliveries. Every backend passes
 * `webhook-store.contract.ts`; callers never see SQL. What is sent, and
 * when, is decided by the deliverer (deliverer.ts).
 */

export interface NewWebhookEndpoint {
  /** "wh_" and 16 hex digits (admin.ts). */
  readonly id: string;
  /** http: or https: (admin.ts checks it). */
  readonly url: string;
  /** The event types sent; absent: every type. Events of other types are skipped, and the cursor moves past them. */
  readonly events?: readonly EventType[];
  /** The HMAC-SHA256 key of `Baton-Signature` (signature.ts); kept as given: the receiver has the same one. */
  readonly secret: string;
  readonly description?: string;
  /** The id of the last event counted as delivered: a new endpoint starts at the newest, so it gets what comes next. */
  readonly cursor: number;
  readonly createdAt: number;
}

export interface WebhookEndpoint extends NewWebhookEndpoint {
  readonly enabled: boolean;
  /** Why it is disabled: "operator", or the failure that disabled it. */
  readonly disabledReason?: string;
  readonly disabledAt?: number;
  /** Failed POSTs since the last success (0: healthy). */
  readonly failures: number;
  /** When the current run of failures began. */
  readonly firstFailureAt?: number;
  /** Not before then (back-off after a failure). */
  readonly nextAttemptAt?: number;
  readonly lastError?: string;
}

/** What may be changed on an endpoint after it is made (`events: null`: every type again). */
export interface WebhookPatch {
  readonly url?: string;
  readonly events?: readonly EventType[] | null;
  readonly description?: string;
}

/** One POST, for `baton webhook show` and `GET /api/v1/webhooks/{id}/deliveries`. */
export interface WebhookDelivery {
  /** Given by the store (absent in what is handed to `addDelivery`): names one delivery of the log. */
  readonly id?: number;
  readonly at: number;
  /** The receiver's HTTP status; absent when there was no response (refused, timed out). */
  readonly status?: number;
  readonly ok: boolean;
  readonly durationMs: number;
  /** Events in the POST, and the first and last of their ids. */
  readonly events: number;
  readonly firstEventId: number;
  readonly lastEventId: number;
  /** Why it failed, in words. */
  readonly error?: string;
  /** The start of the response body (a few hundred characters at most). */
  readonly response?: string;
  /**
   * The JSON body POSTed (what the signature covers), kept up to
   * `DELIVERY_BODY_KEPT` characters; `deliveries()` leaves it out (lists stay
   * small), `delivery()` has it.
   */
  readonly body?: string;
  /** The body's full length in characters (more than `body` holds when it was cut). */
  readonly bodyLength?: number;
}

/** Characters of a delivery's body kept in the log (a batch of 100 events is about 40 000). */
export const DELIVERY_BODY_KEPT = 256 * 1024;

/** Deliveries kept per endpoint; older ones are dropped as new ones come. */
export const DELIVERIES_KEPT = 50;

export interface WebhookStore {
  create(endpoint: NewWebhookEndpoint): Promise<WebhookEndpoint>;
  get(id: string): Promise<WebhookEndpoint | undefined>;
  /** Oldest first. */
  list(): Promise<WebhookEndpoint[]>;
  update(id: string, patch: WebhookPatch): Promise<WebhookEndpoint | undefined>;
  /** Removes the endpoint and its deliveries; false when there was none. */
  remove(id: string): Promise<boolean>;
  /**
   * Enable (clears the failure state, so it is tried at once, from its
   * cursor) or disable (with why). Returns the endpoint, undefined when there is none.
   */
  setEnabled(id: string, enabled: boolean, opts: { readonly at: number; readonly reason?: string }): Promise<WebhookEndpoint | undefined>;
  /**
   * The receiver took the events up to `to`: move the cursor from `from` to
   * `to` and clear the failure state, but only if the cursor is still at
   * `from`. False when it moved meanwhile (a replay from another process):
   * the replay wins and nothing is lost.
   */
  advance(id: string, from: number, to: number): Promise<boolean>;
  /** A POST failed: one more failure, the run's start kept, and when to try next. */
  recordFailure(id: string, failure: { readonly at: number; readonly nextAttemptAt: number; readonly error: string }): Promise<WebhookEndpoint | undefined>;
  /** Replay: put the cursor at `cursor` whatever it was, and try at once. */
  moveCursor(id: string, cursor: number): Promise<WebhookEndpoint | undefined>;
  /** Log one POST, keeping the newest `DELIVERIES_KEPT` of the endpoint. */
  addDelivery(id: string, delivery: WebhookDelivery): Promise<void>;
  /** Newest first, each with its `id` and `bodyLength` but without its body. */
  deliveries(id: string, limit: number): Promise<WebhookDelivery[]>;
  /** One delivery of the endpoint with its body; undefined when it is not (or no longer) in the log. */
  delivery(id: string, deliveryId: number): Promise<WebhookDelivery | undefined>;
  close(): Promise<void>;
}
