import { compileSegment, type SegmentStore } from '../segments/index.js';
import type { TemplatesPart, TemplateStore } from '../templates/index.js';
import type { SqlDialect } from '../types.js';
import type { CampaignSendingDeps } from './build.js';

/**
 * The pieces sending/ takes from segments/ and templates/ (DESIGN §9: parts
 * meet in main.ts through these functions only): the audience as the
 * segment's SQL for this backend, the renderer over the saved template, the
 * existence checks for the API, and the `{{ unsubscribe_url }}`.
 */
export function campaignParts(o: {
  readonly stores: { readonly segments: Pick<SegmentStore, 'get'>; readonly templates: Pick<TemplateStore, 'get'> };
  readonly templates: TemplatesPart;
  readonly dialect: SqlDialect;
}): Pick<CampaignSendingDeps, 'render' | 'audienceOf' | 'templateExists' | 'segmentExists' | 'unsubscribeUrl'> {
  const { stores, templates } = o;
  return {
    async render(templateId, ctx) {
      // A PK read per message; the renderer caches the parsed template per (id, updatedAt), so an edit applies to the next contact.
      const t = await stores.templates.get(templateId);
      if (!t) return { kind: 'render-failed', part: 'subject', reason: `template ${templateId} does not exist` };
      const input = { address: ctx.contact.address, attributes: ctx.contact.attributes, ...(ctx.unsubscribeUrl !== undefined ? { unsubscribeUrl: ctx.unsubscribeUrl } : {}) };
      return templates.renderer.render(t, input, { id: t.id, updatedAt: t.updatedAt });
    },
    async audienceOf(segmentId, now) {
      const s = await stores.segments.get(segmentId);
      return s ? compileSegment(s.filter, o.dialect, now) : undefined;
    },
    templateExists: async (id) => (await stores.templates.get(id)) !== undefined,
    segmentExists: async (id) => (await stores.segments.get(id)) !== undefined,
    // Absent when `unsubscribe` is not configured: then there is no URL to put in the mail.
    ...(templates.baseUrl !== undefined ? { unsubscribeUrl: (address: string, domain: string) => templates.unsubscribeUrl(address, domain) ?? '' } : {}),
  };
}
