import { z } from 'zod';
import type { Clock } from '../../core/index.js';
import { TRAFFIC_RANGES, trafficView, type TrafficRange, type TrafficStore } from '../../traffic/index.js';
import type { WebhookAdmin, Webhooks } from '../../webhooks/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface StatsDeps {
  readonly traffic: Pick<TrafficStore, 'buckets'>;
  readonly clock: Clock;
  /** Absent on a node without webhooks: the webhook summary answers 503. */
  readonly webhooks?: Pick<Webhooks, 'admin'> | undefined;
}

const TAGS = ['Stats'];
const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

const counts = {
  accepted: z.number().int().describe('Recipients queued (accepted events)'),
  delivered: z.number().int().describe('Recipients delivered'),
  deferred: z.number().int().describe('Failed attempts to be retried, one per recipient per attempt'),
  bounced: z.number().int().describe('Recipients that failed for good: bounced or expired'),
  suppressed: z.number().int().describe('Recipients not queued because the suppression list has them'),
};
const trafficSchema = z.object({
  range: z.enum(Object.keys(TRAFFIC_RANGES) as [TrafficRange, ...TrafficRange[]]),
  bucket: z.enum(['minute', 'hour']),
  from: z.string().describe('Start of the first bucket'),
  to: z.string().describe('End of the last bucket (exclusive): the newest bucket is the current, partial one'),
  series: z.array(z.object({ at: z.string().describe('Start of the bucket'), ...counts })).describe('Every bucket, oldest first; a quiet one is zeros'),
  totals: z.object(counts).describe('The sums over the range'),
});

const webhookHealthSchema = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  failures: z.number().int().describe('Failed POSTs since the last success'),
  failingSince: z.string().nullable(),
  lastError: z.string().nullable(),
  pendingEvents: z.number().int().describe('Event ids after its cursor'),
  lagSeconds: z.number().describe('Age of the oldest event not yet delivered; 0 when caught up'),
  lastDelivery: z.object({ at: z.string(), ok: z.boolean(), status: z.number().int().nullable() }).nullable().describe('The newest POST'),
});
const webhooksSummarySchema = z.object({
  total: z.number().int(),
  enabled: z.number().int(),
  disabled: z.number().int(),
  failing: z.number().int().describe('Enabled endpoints whose last POST failed'),
  maxLagSeconds: z.number().describe('The largest lag among enabled endpoints'),
  webhooks: z.array(webhookHealthSchema).describe('Oldest first'),
});

/**
 * Operating figures aggregated on the server (docs/api.md#stats): the
 * traffic charts from the per-minute rollup of the events (traffic/), and
 * the health of every webhook endpoint in one call.
 */
export function statsRoutes(deps: StatsDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/stats/traffic',
      operationId: 'trafficStats',
      summary: 'Recipients accepted, delivered, deferred, bounced and suppressed per minute (last hour) or per hour (last day, last week)',
      description:
        'Counted from the events by a per-minute rollup, so a week costs at most 10,080 rows. Buckets are UTC minutes or hours; the newest is the current one, still filling. Which events count in each series: docs/api.md#stats.',
      tags: TAGS,
      scope: 'read',
      query: z.object({ range: z.enum(['hour', 'day', 'week']).default('hour').describe('hour: 60 minutes; day: 24 hours; week: 168 hours') }),
      responses: { 200: { description: 'Zero-filled buckets and their totals', schema: trafficSchema } },
      async handler({ query }) {
        const v = await trafficView(deps.traffic, query.range, deps.clock.now());
        const body: z.infer<typeof trafficSchema> = {
          range: query.range,
          bucket: v.bucket,
          from: new Date(v.from).toISOString(),
          to: new Date(v.to).toISOString(),
          series: v.series.map((b) => ({ ...b, at: new Date(b.at).toISOString() })),
          totals: { ...v.totals },
        };
        return { status: 200, body };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/stats/webhooks',
      operationId: 'webhookHealth',
      summary: 'Every webhook endpoint with its lag, failures and newest delivery, and the counts over all of them',
      tags: TAGS,
      // Admin like the webhook routes: endpoint URLs may carry the receiver's token.
      scope: 'admin',
      responses: { 200: { description: 'The summary', schema: webhooksSummarySchema }, 503: { description: 'Webhooks are not running on this node' } },
      async handler() {
        if (!deps.webhooks) throw new ApiProblem('temporary-failure', 'webhooks are not running on this node');
        return { status: 200, body: await webhookSummary(deps.webhooks.admin) };
      },
    }),
  ];
}

async function webhookSummary(admin: WebhookAdmin): Promise<z.infer<typeof webhooksSummarySchema>> {
  const [endpoints, lags] = await Promise.all([admin.list(), admin.lag()]);
  const lagOf = new Map(lags.map((l) => [l.id, l]));
  const webhooks = await Promise.all(
    endpoints.map(async (e) => {
      const lag = lagOf.get(e.id);
      const [last] = await admin.deliveries(e.id, 1);
      return {
        id: e.id,
        url: e.url,
        description: e.description ?? null,
        enabled: e.enabled,
        disabledReason: e.disabledReason ?? null,
        failures: e.failures,
        failingSince: iso(e.firstFailureAt),
        lastError: e.lastError ?? null,
        pendingEvents: lag?.pendingEvents ?? 0,
        lagSeconds: lag?.lagSeconds ?? 0,
        lastDelivery: last ? { at: new Date(last.at).toISOString(), ok: last.ok, status: last.status ?? null } : null,
      };
    }),
  );
  const enabled = webhooks.filter((w) => w.enabled);
  return {
    total: webhooks.length,
    enabled: enabled.length,
    disabled: webhooks.length - enabled.length,
    failing: enabled.filter((w) => w.failures > 0).length,
    maxLagSeconds: enabled.reduce((m, w) => Math.max(m, w.lagSeconds), 0),
    webhooks,
  };
}
