import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { duration, int } from './values.js';

/**
 * Campaigns (docs/campaigns.md): contacts and lists, segments, templates,
 * campaigns and flows, on the relay's own pipeline. One sub-object per part
 * of src/campaigns/, each owned by that part. Public pages (confirmation
 * links, the hosted subscribe form, tracking) are served on the unsubscribe
 * endpoint (`unsubscribe.address`, URLs under `unsubscribe.baseUrl`).
 */
export const campaignsSchema = z.strictObject({
  /** Contacts and lists (campaigns/contacts/). */
  contacts: z.strictObject({}).prefault({}),
  /** Liquid templates (campaigns/templates/). */
  templates: z.strictObject({}).prefault({}),
  /** Campaign sending, stats and tracking (campaigns/sending/). */
  sending: z
    .strictObject({
      /** Messages of one campaign in flight at once (render, checks, enqueue overlap); the rate still paces them. */
      concurrency: int(1, 256).default(8),
      /** After a temporary refusal (a quota, a queue that could not commit): wait this long, then go on. */
      backoff: duration('1s', '1h').default(parseDuration('60s')),
    })
    .prefault({}),
  /** Automation flows (campaigns/flows/). */
  flows: z.strictObject({}).prefault({}),
});

export type CampaignsConfig = z.output<typeof campaignsSchema>;
