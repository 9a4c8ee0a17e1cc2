import { z } from 'zod';
import { EVENT_TYPES } from '../../events/index.js';
import { DELIVERIES_KEPT, endpointView, WebhookError, type WebhookAdmin, type WebhookDelivery, type WebhookLag, type Webhooks } from '../../webhooks/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

const EventTypeSchema = z.enum(EVENT_TYPES as [string, ...string[]]);

const WebhookSchema = z.object({
  id: z.string().describe('wh_ and 16 hex digits'),
  url: z.string(),
  events: z.union([z.array(z.string()), z.literal('all')]).describe('The event types sent, or "all"'),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable().describe('"operator", or the failure that disabled it'),
  disabledAt: z.string().nullable(),
  cursor: z.number().int().describe('The id of the last event counted as delivered'),
  failures: z.number().int().describe('Failed POSTs since the last success'),
  failingSince: z.string().nullable(),
  nextAttemptAt: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: z.string(),
});

const LagSchema = z.object({
  newestEventId: z.number().int(),
  pendingEvents: z.number().int().describe('Event ids after the cursor'),
  oldestPendingAt: z.string().nullable(),
  lagSeconds: z.number().describe('Age of the oldest event not yet delivered; 0 when caught up'),
});

/** How an endpoint is doing: lag, and the newest success and failure of its delivery log. */
const HealthShape = {
  lag: LagSchema,
  lastSuccessAt: z.string().nullable().describe('The newest 2xx in the delivery log (the last 50 POSTs)'),
  lastFailureAt: z.string().nullable().describe('The newest failed POST in the delivery log'),
};

const DeliverySchema = z.object({
  id: z.number().int().describe('Names the delivery in the log: GET /api/v1/webhooks/{id}/deliveries/{deliveryId} has its body'),
  at: z.string(),
  status: z.number().int().nullable().describe('The HTTP status; null when no answer came'),
  ok: z.boolean(),
  durationMs: z.number().int(),
  events: z.number().int(),
  firstEventId: z.number().int(),
  lastEventId: z.number().int(),
  error: z.string().nullable(),
  response: z.string().nullable().describe('The start of the response body'),
  bodyLength: z.number().int().nullable().describe('Characters in the JSON body sent; null for deliveries logged before bodies were kept'),
});

const DeliveryWithBodySchema = DeliverySchema.extend({
  body: z.string().nullable().describe('The JSON body POSTed, as signed (the first 256 KiB); null for deliveries logged before bodies were kept'),
  bodyTruncated: z.boolean().describe('true when bodyLength is more than the body kept'),
});

const IdParams = z.object({ id: z.string().regex(/^wh_[0-9a-f]{16}$/, 'a webhook id is wh_ and 16 hex digits') });
const DeliveryParams = IdParams.extend({ deliveryId: z.coerce.number().int().min(1).describe('The id in the delivery list') });

const CreateBody = z.strictObject({
  url: z.string().max(2048).describe('http:// or https://'),
  events: z.array(EventTypeSchema).optional().describe('Absent or empty: every type'),
  description: z.string().max(500).optional(),
});

const PatchBody = z.strictObject({
  url: z.string().max(2048).optional(),
  events: z.array(EventTypeSchema).nullable().optional().describe('null or empty: every type'),
  description: z.string().max(500).optional(),
  enabled: z.boolean().optional().describe('true resumes from the cursor at once'),
});

const ReplayBody = z
  .strictObject({
    fromEventId: z.number().int().min(1).optional().describe('Send this event and every one after it again'),
    fromTime: z.iso.datetime({ offset: true }).optional().describe('Send the events from this time on again'),
  })
  .refine((b) => (b.fromEventId === undefined) !== (b.fromTime === undefined), { message: 'give fromEventId or fromTime, one of them' });

const DeliveriesQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(20) });

/** A logged POST as the API shows it (times in ISO 8601, absent fields null). */
function deliveryView(d: WebhookDelivery) {
  return {
    id: d.id ?? 0,
    at: new Date(d.at).toISOString(),
    status: d.status ?? null,
    ok: d.ok,
    durationMs: d.durationMs,
    events: d.events,
    firstEventId: d.firstEventId,
    lastEventId: d.lastEventId,
    error: d.error ?? null,
    response: d.response ?? null,
    bodyLength: d.bodyLength ?? null,
  };
}

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

/** Failures of the admin as problems (RFC 9457): no such webhook 404, a bad URL or replay point 422. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof WebhookError) throw new ApiProblem(err.kind === 'not-found' ? 'not-found' : 'validation', err.message);
    throw err;
  }
}

/**
 * Webhook endpoints (docs/api.md#webhooks), admin scope: an endpoint
 * receives Baton's events, signed, so adding one is an administrator's act
 * (and it may point anywhere, loopback and private networks included: the
 * SSRF note in docs/api.md).
 */
export function webhookRoutes(deps: { readonly webhooks?: Webhooks }): ApiRoute[] {
  const admin = (): WebhookAdmin => {
    if (!deps.webhooks) throw new ApiProblem('temporary-failure', 'webhooks are not running on this node');
    return deps.webhooks.admin;
  };
  const lagView = (lag: WebhookLag | undefined) => ({ newestEventId: lag?.newestEventId ?? 0, pendingEvents: lag?.pendingEvents ?? 0, oldestPendingAt: iso(lag?.oldestPendingAt), lagSeconds: lag?.lagSeconds ?? 0 });
  /** The last success and failure in the delivery log: what "is this receiver healthy?" needs at a glance. */
  const health = async (id: string) => {
    const log = await admin().deliveries(id, DELIVERIES_KEPT);
    return { lastSuccessAt: iso(log.find((d) => d.ok)?.at), lastFailureAt: iso(log.find((d) => !d.ok)?.at) };
  };
  const withLag = async (id: string) => {
    const e = await call(() => admin().get(id));
    const lag = (await admin().lag()).find((l) => l.id === id);
    return { ...endpointView(e), lag: lagView(lag), ...(await health(id)) };
  };
  const tags = ['Webhooks'];
  const notFound = { description: 'No such webhook (problem+json)' };
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/webhooks',
      operationId: 'listWebhooks',
      summary: 'List webhook endpoints',
      tags,
      scope: 'admin',
      responses: { 200: { description: 'Every endpoint, oldest first, without secrets, with its lag and last success and failure', schema: z.object({ webhooks: z.array(WebhookSchema.extend(HealthShape)) }) } },
      handler: async () => {
        const lags = await admin().lag();
        const webhooks = [];
        for (const e of await admin().list()) webhooks.push({ ...endpointView(e), lag: lagView(lags.find((l) => l.id === e.id)), ...(await health(e.id)) });
        return { status: 200, body: { webhooks } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/webhooks',
      operationId: 'createWebhook',
      summary: 'Add a webhook endpoint; the answer carries its signing secret, shown only this once',
      tags,
      scope: 'admin',
      body: CreateBody,
      responses: { 201: { description: 'The new endpoint with its secret', schema: WebhookSchema.extend({ secret: z.string() }) }, 422: { description: 'A bad URL or event type' } },
      handler: async (req) => {
        const e = await call(() => admin().create({ url: req.body.url, ...(req.body.events ? { events: req.body.events } : {}), ...(req.body.description !== undefined ? { description: req.body.description } : {}) }));
        return { status: 201, body: { ...endpointView(e), secret: e.secret }, headers: { Location: `/api/v1/webhooks/${e.id}` } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/webhooks/{id}',
      operationId: 'getWebhook',
      summary: 'One webhook endpoint: its state and how far behind it is',
      tags,
      scope: 'admin',
      params: IdParams,
      responses: { 200: { description: 'The endpoint, its lag and its last success and failure', schema: WebhookSchema.extend(HealthShape) }, 404: notFound },
      handler: async (req) => ({ status: 200, body: await withLag(req.params.id) }),
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/webhooks/{id}',
      operationId: 'updateWebhook',
      summary: 'Change an endpoint: url, events, description, enabled',
      tags,
      scope: 'admin',
      params: IdParams,
      body: PatchBody,
      responses: { 200: { description: 'The endpoint as it is now', schema: WebhookSchema }, 404: notFound, 422: { description: 'A bad URL or event type' } },
      handler: async (req) => {
        const b = req.body;
        const e = await call(() =>
          admin().update(req.params.id, {
            ...(b.url !== undefined ? { url: b.url } : {}),
            ...(b.events !== undefined ? { events: b.events === null || b.events.length === 0 ? null : b.events } : {}),
            ...(b.description !== undefined ? { description: b.description } : {}),
            ...(b.enabled !== undefined ? { enabled: b.enabled } : {}),
          }),
        );
        return { status: 200, body: endpointView(e) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/webhooks/{id}',
      operationId: 'deleteWebhook',
      summary: 'Remove an endpoint and its delivery log',
      tags,
      scope: 'admin',
      params: IdParams,
      responses: { 204: { description: 'Removed' }, 404: notFound },
      handler: async (req) => {
        await call(() => admin().remove(req.params.id));
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/webhooks/{id}/replay',
      operationId: 'replayWebhook',
      summary: 'Send events again from an event id or a time (within events.retention)',
      tags,
      scope: 'admin',
      params: IdParams,
      body: ReplayBody,
      responses: { 200: { description: 'Where the replay starts', schema: z.object({ firstEventId: z.number().int(), webhook: WebhookSchema }) }, 404: notFound, 422: { description: 'An event id that does not exist yet' } },
      handler: async (req) => {
        const from = req.body.fromEventId !== undefined ? { eventId: req.body.fromEventId } : { time: Date.parse(req.body.fromTime as string) };
        const r = await call(() => admin().replay(req.params.id, from));
        return { status: 200, body: { firstEventId: r.firstEventId, webhook: endpointView(r.endpoint) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/webhooks/{id}/deliveries',
      operationId: 'listWebhookDeliveries',
      summary: 'The recent POSTs to an endpoint, newest first (the last 50 are kept)',
      tags,
      scope: 'admin',
      params: IdParams,
      query: DeliveriesQuery,
      responses: { 200: { description: 'Recent deliveries', schema: z.object({ deliveries: z.array(DeliverySchema) }) }, 404: notFound },
      handler: async (req) => {
        const list = await call(() => admin().deliveries(req.params.id, req.query.limit));
        return { status: 200, body: { deliveries: list.map(deliveryView) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/webhooks/{id}/deliveries/{deliveryId}',
      operationId: 'getWebhookDelivery',
      summary: 'One delivery of the log with the JSON body that was signed and POSTed',
      tags,
      scope: 'admin',
      params: DeliveryParams,
      responses: { 200: { description: 'The delivery and its body', schema: DeliveryWithBodySchema }, 404: { description: 'No such webhook, or the delivery is no longer in the log (problem+json)' } },
      handler: async (req) => {
        const d = await call(() => admin().delivery(req.params.id, req.params.deliveryId));
        const body = d.body ?? null;
        return { status: 200, body: { ...deliveryView(d), body, bodyTruncated: body !== null && d.bodyLength !== undefined && d.bodyLength > body.length } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/webhooks/{id}/test',
      operationId: 'testWebhook',
      summary: 'POST a signed webhook-test event (id 0) to the endpoint now and report the answer',
      tags,
      scope: 'admin',
      params: IdParams,
      responses: {
        200: { description: 'What the receiver answered (ok: it answered 2xx)', schema: z.object({ ok: z.boolean(), status: z.number().int().nullable(), durationMs: z.number().int(), error: z.string().nullable(), response: z.string().nullable() }) },
        404: notFound,
      },
      handler: async (req) => {
        const w = deps.webhooks;
        const r = await call(() => admin().test(req.params.id, (w as Webhooks).post));
        return { status: 200, body: { ok: r.ok, status: r.status ?? null, durationMs: r.durationMs, error: r.error ?? null, response: r.response ?? null } };
      },
    }),
  ];
}
