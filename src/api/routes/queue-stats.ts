import { z } from 'zod';
import { replyToText, type Clock } from '../../core/index.js';
import type { EventStore, ShapedEvent } from '../../events/index.js';
import type { DestinationStats, QueueStore } from '../../queue/index.js';
import { defineRoute, type ApiRoute } from '../route.js';
import type { SiteInfo, SiteOf } from './queue-sites.js';

export interface QueueStatsDeps {
  readonly queue: Pick<QueueStore, 'stats' | 'destinations'>;
  /** The `shaped` events say what the adaptive back-off did to a site or provider. */
  readonly events: Pick<EventStore, 'recent'>;
  readonly clock: Clock;
  /** Groups domains into sites; absent (a node without delivery config): each domain is its own site. */
  readonly siteOf?: SiteOf | undefined;
  /** Recipient domains looked at, most pending first (default 200). */
  readonly maxDomains?: number;
}

/** How far back throttle state is read from `shaped` events (as `baton shaping status`). */
const LOOK_BACK_MS = 86_400_000;

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

const throttleSchema = z
  .object({ scope: z.string(), action: z.enum(['slowed', 'paused', 'recovered']), at: z.string(), rate: z.number().nullable(), pausedUntil: z.string().nullable(), reply: z.string().nullable() })
  .nullable();
const domainSchema = z.object({ domain: z.string(), pending: z.number().int(), held: z.number().int(), oldestReceivedAt: z.string(), lastError: z.string().nullable(), lastErrorAt: z.string().nullable() });
const siteSchema = z.object({
  site: z.string(),
  provider: z.string().nullable(),
  pending: z.number().int(),
  held: z.number().int(),
  oldestReceivedAt: z.string(),
  lastError: z.string().nullable(),
  lastErrorAt: z.string().nullable(),
  throttle: z.object({ site: throttleSchema, provider: throttleSchema }),
  domains: z.array(domainSchema),
});
const statsSchema = z.object({
  messages: z.number().int(),
  held: z.number().int(),
  bytes: z.number().int(),
  oldestReceivedAt: z.string().nullable(),
  recipients: z.object({ pending: z.number().int(), delivered: z.number().int(), bounced: z.number().int(), expired: z.number().int() }),
  sites: z.array(siteSchema),
});

export function queueStatsRoute(deps: QueueStatsDeps): ApiRoute {
  return defineRoute({
    method: 'GET',
    path: '/api/v1/queue/stats',
    operationId: 'queueStats',
    summary: 'Queue totals, and pending recipients per destination site with their throttle state',
    tags: ['Queue'],
    scope: 'read',
    responses: { 200: { description: 'Totals and sites, most pending first', schema: statsSchema } },
    async handler() {
      const now = deps.clock.now();
      const [stats, destinations, shaped] = await Promise.all([deps.queue.stats(), deps.queue.destinations(deps.maxDomains ?? 200), deps.events.recent('shaped', now - LOOK_BACK_MS, 1000)]);
      const sites = await groupBySite(destinations, deps.siteOf, shaped.map((s) => s.event).filter((e): e is ShapedEvent => e.type === 'shaped'));
      return {
        status: 200,
        body: {
          messages: stats.messages,
          held: stats.held,
          bytes: stats.bytes,
          oldestReceivedAt: iso(stats.oldestReceivedAt),
          recipients: { ...stats.recipients },
          sites,
        } satisfies z.infer<typeof statsSchema>,
      };
    },
  });
}

async function groupBySite(destinations: readonly DestinationStats[], siteOf: SiteOf | undefined, shaped: readonly ShapedEvent[]): Promise<z.infer<typeof siteSchema>[]> {
  // Newest first (EventStore.recent): the first event per scope is its state now.
  const latest = new Map<string, ShapedEvent>();
  for (const e of shaped) if (!latest.has(e.scope)) latest.set(e.scope, e);
  const throttle = (scope: string): z.infer<typeof throttleSchema> => {
    const e = latest.get(scope);
    return e ? { scope, action: e.action, at: iso(e.at) ?? '', rate: e.rate ?? null, pausedUntil: e.action === 'paused' ? iso(e.until) : null, reply: e.reply ? replyToText(e.reply) : null } : null;
  };
  const infos: SiteInfo[] = await Promise.all(destinations.map(async (d) => (siteOf ? siteOf(d.domain).catch(() => ({ site: `mx:${d.domain}` })) : { site: `mx:${d.domain}` })));
  const sites = new Map<string, z.infer<typeof siteSchema>>();
  destinations.forEach((d, i) => {
    const info: SiteInfo = infos[i] ?? { site: `mx:${d.domain}` };
    const domain = { domain: d.domain, pending: d.pending, held: d.held, oldestReceivedAt: iso(d.oldestReceivedAt) ?? '', lastError: d.lastError ?? null, lastErrorAt: iso(d.lastErrorAt) };
    const site = sites.get(info.site);
    if (!site) {
      sites.set(info.site, {
        site: info.site,
        provider: info.provider ?? null,
        pending: d.pending,
        held: d.held,
        oldestReceivedAt: domain.oldestReceivedAt,
        lastError: domain.lastError,
        lastErrorAt: domain.lastErrorAt,
        // The shaper's scopes: "site:" + the job's site key, and "provider:" + name (delivery/throttle/shaper.ts).
        throttle: { site: throttle(`site:${info.site}`), provider: info.provider ? throttle(`provider:${info.provider}`) : null },
        domains: [domain],
      });
      return;
    }
    site.pending += d.pending;
    site.held += d.held;
    if (domain.oldestReceivedAt < site.oldestReceivedAt) site.oldestReceivedAt = domain.oldestReceivedAt;
    if (domain.lastErrorAt !== null && (site.lastErrorAt === null || domain.lastErrorAt > site.lastErrorAt)) {
      site.lastError = domain.lastError;
      site.lastErrorAt = domain.lastErrorAt;
    }
    site.domains.push(domain);
  });
  return [...sites.values()].sort((a, b) => b.pending - a.pending);
}
