import { randomBytes } from 'node:crypto';
import type { Clock } from '../core/index.js';
import { EVENT_TYPES, type EventStore, type EventType } from '../events/index.js';
import type { Poster } from './http-post.js';
import { SIGNATURE_HEADER, newWebhookSecret, signatureHeader, WEBHOOK_ID_HEADER } from './signature.js';
import { DELIVERIES_KEPT, type WebhookDelivery, type WebhookEndpoint, type WebhookPatch, type WebhookStore } from './webhook-store.js';

/** A request the admin refuses: `not-found` (no such endpoint) or `invalid` (a bad URL, event type, replay point). */
export class WebhookError extends Error {
  override readonly name = 'WebhookError';
  constructor(
    readonly kind: 'not-found' | 'invalid',
    message: string,
  ) {
    super(message);
  }
}

/** How far an endpoint is behind the outbox (`webhooks.lag()`, read by the metrics). */
export interface WebhookLag {
  readonly id: string;
  readonly url: string;
  readonly enabled: boolean;
  readonly cursor: number;
  readonly newestEventId: number;
  /** Event ids after the cursor (events of types it does not take included: they are passed over, not sent). */
  readonly pendingEvents: number;
  /** When the oldest event after the cursor happened; absent when caught up. */
  readonly oldestPendingAt?: number;
  /** Its age in seconds; 0 when caught up. */
  readonly lagSeconds: number;
}

export interface NewWebhookRequest {
  readonly url: string;
  /** Absent or empty: every type. */
  readonly events?: readonly string[];
  readonly description?: string;
}

/** Where a replay starts: an event id (sent again, with everything after it), or a time. */
export type ReplayFrom = { readonly eventId: number } | { readonly time: number };

const MAX_URL = 2048;

/**
 * Operations on webhook endpoints, shared by `baton webhook` and the API
 * (routes/webhooks.ts): checks what operators give, makes ids and secrets,
 * turns a replay point into a cursor. The running node's deliverer sees the
 * changes at its next pass (at most a second later).
 */
export class WebhookAdmin {
  constructor(private readonly deps: { readonly store: WebhookStore; readonly events: EventStore; readonly clock: Clock }) {}

  /** A new endpoint, enabled, starting after the newest event (it gets what happens from now on). Its secret is in the answer, and only there. */
  async create(req: NewWebhookRequest): Promise<WebhookEndpoint> {
    const url = checkUrl(req.url);
    const events = checkEvents(req.events);
    const id = `wh_${randomBytes(8).toString('hex')}`;
    return this.deps.store.create({
      id,
      url,
      ...(events ? { events } : {}),
      secret: newWebhookSecret(),
      ...(req.description !== undefined ? { description: req.description } : {}),
      cursor: await this.deps.events.newestEventId(),
      createdAt: this.deps.clock.now(),
    });
  }

  list(): Promise<WebhookEndpoint[]> {
    return this.deps.store.list();
  }

  async get(id: string): Promise<WebhookEndpoint> {
    return found(id, await this.deps.store.get(id));
  }

  async update(id: string, patch: { readonly url?: string; readonly events?: readonly string[] | null; readonly description?: string; readonly enabled?: boolean }): Promise<WebhookEndpoint> {
    const checked: WebhookPatch = {
      ...(patch.url !== undefined ? { url: checkUrl(patch.url) } : {}),
      ...(patch.events !== undefined ? { events: patch.events === null ? null : (checkEvents(patch.events) ?? null) } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
    };
    let e = found(id, await this.deps.store.update(id, checked));
    if (patch.enabled !== undefined && patch.enabled !== e.enabled) e = await this.setEnabled(id, patch.enabled);
    return e;
  }

  async remove(id: string): Promise<void> {
    if (!(await this.deps.store.remove(id))) throw notFound(id);
  }

  /** Enabling resumes from the cursor, at once (the failure state is cleared). */
  async setEnabled(id: string, enabled: boolean): Promise<WebhookEndpoint> {
    return found(id, await this.deps.store.setEnabled(id, enabled, { at: this.deps.clock.now(), reason: 'operator' }));
  }

  /**
   * Move the cursor back (or forward) so events from `from` on are sent
   * (again). Events older than `events.retention` are gone: a replay from
   * before them starts at the oldest one kept (`firstEventId` says which).
   */
  async replay(id: string, from: ReplayFrom): Promise<{ endpoint: WebhookEndpoint; firstEventId: number }> {
    await this.get(id);
    const { events } = this.deps;
    let first: number;
    if ('eventId' in from) {
      if (!Number.isInteger(from.eventId) || from.eventId < 1) throw new WebhookError('invalid', `an event id is a whole number from 1, not ${from.eventId}`);
      const newest = await events.newestEventId();
      if (from.eventId > newest) throw new WebhookError('invalid', `event ${from.eventId} does not exist yet (the newest is ${newest})`);
      first = Math.max(from.eventId, await events.firstEventIdFrom(0));
    } else {
      if (!Number.isFinite(from.time)) throw new WebhookError('invalid', 'the replay time is not a valid date');
      first = await events.firstEventIdFrom(from.time);
    }
    return { endpoint: found(id, await this.deps.store.moveCursor(id, first - 1)), firstEventId: first };
  }

  async deliveries(id: string, limit: number): Promise<WebhookDelivery[]> {
    await this.get(id);
    return this.deps.store.deliveries(id, limit);
  }

  /** One delivery of the log with the body sent; `not-found` when the endpoint or the delivery is not there (50 are kept). */
  async delivery(id: string, deliveryId: number): Promise<WebhookDelivery> {
    await this.get(id);
    const d = await this.deps.store.delivery(id, deliveryId);
    if (!d) throw new WebhookError('not-found', `webhook ${id} has no delivery ${deliveryId} (the newest ${DELIVERIES_KEPT} are kept)`);
    return d;
  }

    async lag(): Promise<WebhookLag[]> {
    const newest = await this.deps.events.newestEventId();
    const now = this.deps.clock.now();
    const out: WebhookLag[] = [];
    for (const e of await this.deps.store.list()) {
      const oldest = newest > e.cursor ? (await this.deps.events.readEvents(e.cursor, 1))[0]?.event.at : undefined;
      out.push({
        id: e.id,
        url: e.url,
        enabled: e.enabled,
        cursor: e.cursor,
        newestEventId: newest,
        pendingEvents: Math.max(0, newest - e.cursor),
        ...(oldest !== undefined ? { oldestPendingAt: oldest } : {}),
        lagSeconds: oldest !== undefined ? Math.max(0, Math.round((now - oldest) / 1000)) : 0,
      });
    }
    return out;
  }

  /**
   * POST one `webhook-test` event (id 0: never a real event's) to the
   * endpoint now, signed like any other, and say what came back. The
   * cursor and failure state are not touched.
   */
  async test(id: string, post: Poster) {
    const e = await this.get(id);
    const at = this.deps.clock.now();
    const body = JSON.stringify({ events: [{ id: 0, type: 'webhook-test', at, webhookId: e.id }] });
    return post(e.url, body, {
      'Content-Type': 'application/json',
      'User-Agent': 'Baton-Webhooks/1',
      [WEBHOOK_ID_HEADER]: e.id,
      [SIGNATURE_HEADER]: signatureHeader(e.secret, body, Math.floor(at / 1000)),
    });
  }
}

function found(id: string, e: WebhookEndpoint | undefined): WebhookEndpoint {
  if (!e) throw notFound(id);
  return e;
}

const notFound = (id: string) => new WebhookError('not-found', `no webhook ${id} (see "baton webhook list")`);

/** http: or https:, no credentials in it (they would show in every listing and log). */
export function checkUrl(text: string): string {
  let u: URL;
  try {
    u = new URL(text.trim());
  } catch {
    throw new WebhookError('invalid', `"${text}" is not a URL; give one like https://hooks.example.com/baton`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new WebhookError('invalid', `webhook URLs are http: or https:, not ${u.protocol}`);
  if (u.username || u.password) throw new WebhookError('invalid', 'put no user or password in the webhook URL: receivers check the Baton-Signature header instead');
  if (u.href.length > MAX_URL) throw new WebhookError('invalid', `the webhook URL is longer than ${MAX_URL} characters`);
  return u.href;
}

/** Known event types, no repeats; empty or absent: undefined (every type). */
export function checkEvents(list: readonly string[] | undefined): EventType[] | undefined {
  if (!list || list.length === 0) return undefined;
  const known = new Set<string>(EVENT_TYPES);
  const bad = list.filter((t) => !known.has(t));
  if (bad.length > 0) throw new WebhookError('invalid', `unknown event type${bad.length > 1 ? 's' : ''} ${bad.join(', ')}; known: ${EVENT_TYPES.join(', ')}`);
  return [...new Set(list)] as EventType[];
}

/** An endpoint as listings show it: never the secret. */
export function endpointView(e: WebhookEndpoint) {
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  return {
    id: e.id,
    url: e.url,
    events: e.events ?? 'all',
    description: e.description ?? null,
    enabled: e.enabled,
    disabledReason: e.disabledReason ?? null,
    disabledAt: iso(e.disabledAt),
    cursor: e.cursor,
    failures: e.failures,
    failingSince: iso(e.firstFailureAt),
    nextAttemptAt: iso(e.nextAttemptAt),
    lastError: e.lastError ?? null,
    createdAt: new Date(e.createdAt).toISOString(),
  };
}
