import { z } from 'zod';
import { parseDuration, parseSize } from '../core/index.js';
import { duration, int, size } from './values.js';

/**
 * Campaigns (docs/campaigns.md): contacts and lists, segments, templates,
 * campaigns and flows, on the relay's own pipeline. One sub-object per part
 * of src/campaigns/, each owned by that part. Public pages (confirmation
 * links, the hosted subscribe form, tracking) are served on the unsubscribe
 * endpoint (`unsubscribe.address`, URLs under `unsubscribe.baseUrl`).
 */
export const campaignsSchema = z.strictObject({
  /** Contacts and lists (campaigns/contacts/). */
  contacts: z
    .strictObject({
      /** A double opt-in confirmation link older than this is refused (counted in whole days from its issue day). */
      confirmMaxAge: duration('1d', '90d').default(parseDuration('7d')),
      /** The API key (by name) whose identity sends the hosted subscribe form's confirmation mail; absent: no hosted form. */
      formApiKey: z.string().min(1).max(100).optional(),
    })
    .prefault({}),
  /** Liquid templates (campaigns/templates/). */
  templates: z
    .strictObject({
      /** Longest one part of a template may render for one contact (liquidjs renderLimit, wall clock: a busy event loop counts, hence 100ms at least): a runaway loop fails that contact, not the campaign. */
      renderTimeout: duration('100ms', '30s').default(parseDuration('1s')),
      /** Largest rendered part (subject, HTML or text) in bytes; above it the render fails for that contact. */
      maxOutput: size('1KB', '10MB').default(parseSize('1MB')),
    })
    .prefault({}),
  /** Campaign sending, stats and tracking (campaigns/sending/). */
  sending: z
    .strictObject({
      /** Messages of one campaign in flight at once (render, checks, enqueue overlap); the rate still paces them. */
      concurrency: int(1, 256).default(8),
      /** After a temporary refusal (a quota, a queue that could not commit): wait this long, then go on. */
      backoff: duration('1s', '1h').default(parseDuration('60s')),
      /** Open pixel and click redirects on the unsubscribe endpoint: off, a privacy trade-off (docs/campaigns.md#tracking-and-privacy). */
      tracking: z.strictObject({ opens: z.boolean().default(false), clicks: z.boolean().default(false) }).prefault({}),
    })
    .prefault({}),
  /** Automation flows (campaigns/flows/). */
  flows: z
    .strictObject({
      /** How often the flow runner looks for runs whose wait is over (a cluster: on the leader only). */
      tick: duration('100ms', '1m').default(parseDuration('1s')),
      /** Runs claimed per round; each run goes on until its next wait. */
      batch: int(1, 10_000).default(100),
      /** The shortest `wait` a flow may have (a flow is refused with 422 below it). */
      minWait: duration('0ms', '30d').default(parseDuration('1m')),
      /** A send refused for now (a quota, 503) is tried again after this long. */
      retry: duration('1s', '1d').default(parseDuration('5m')),
    })
    .prefault({}),
});

export type CampaignsConfig = z.output<typeof campaignsSchema>;
