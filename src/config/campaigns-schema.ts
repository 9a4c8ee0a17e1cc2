import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { duration } from './values.js';

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
  templates: z.strictObject({}).prefault({}),
  /** Campaign sending, stats and tracking (campaigns/sending/). */
  sending: z.strictObject({}).prefault({}),
  /** Automation flows (campaigns/flows/). */
  flows: z.strictObject({}).prefault({}),
});

export type CampaignsConfig = z.output<typeof campaignsSchema>;
