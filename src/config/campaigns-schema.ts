import { z } from 'zod';
import { parseDuration, parseSize } from '../core/index.js';
import { duration, size } from './values.js';

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
  sending: z.strictObject({}).prefault({}),
  /** Automation flows (campaigns/flows/). */
  flows: z.strictObject({}).prefault({}),
});

export type CampaignsConfig = z.output<typeof campaignsSchema>;
