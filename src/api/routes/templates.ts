import { z } from 'zod';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { SegmentStore } from '../../campaigns/segments/index.js';
import { buildTemplates, type Template, type TemplateInput, type TemplatesPart, type TemplateStore } from '../../campaigns/templates/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { idPage, idPageQuery } from './page-cursor.js';

export interface TemplateRoutesDeps {
  readonly config: Pick<Config, 'campaigns'>;
  readonly stores: { readonly templates: TemplateStore; readonly segments: SegmentStore };
  readonly clock: Clock;
  /** The process's renderer (main.ts); absent: one made from config for these routes. */
  readonly templates?: TemplatesPart;
}

const TAGS = ['templates'];
/** A template part's source: large enough for any real newsletter, small enough to parse at once. */
const MAX_SOURCE = 512 * 1024;

const idParam = z.object({ id: z.coerce.number().int().positive() });
const defaults = z.record(z.string().max(128), z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]));
const templateBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    subject: z.string().min(1).max(2000),
    html: z.string().max(MAX_SOURCE).optional(),
    text: z.string().max(MAX_SOURCE).optional(),
    defaults: defaults.optional().describe('Values for attributes a contact lacks; the contact\'s own win'),
  })
  .refine((t) => t.html !== undefined || t.text !== undefined, { message: 'needs html or text (or both)', path: ['html'] });
const templateView = z.object({
  id: z.number(),
  name: z.string(),
  subject: z.string(),
  html: z.string().optional(),
  text: z.string().optional(),
  defaults: z.record(z.string(), z.unknown()),
  createdAt: z.number(),
  updatedAt: z.number(),
});

const viewOf = (t: Template) => ({ id: t.id, name: t.name, subject: t.subject, ...(t.html !== undefined ? { html: t.html } : {}), ...(t.text !== undefined ? { text: t.text } : {}), defaults: t.defaults, createdAt: t.createdAt, updatedAt: t.updatedAt });

/** Templates (docs/campaigns.md#templates): Liquid for subject, HTML and text, checked when saved, previewed for a contact. */
export function templateRoutes(deps: TemplateRoutesDeps): ApiRoute[] {
  // Read in handlers only: the OpenAPI test lists routes with empty deps.
  const store = () => deps.stores.templates;
  let own: TemplatesPart | undefined;
  const part = () => deps.templates ?? (own ??= buildTemplates(deps.config));
  const checked = (body: TemplateInput): TemplateInput => {
    const fault = part().renderer.check(body);
    if (fault) throw new ApiProblem('validation', `${fault.part}${fault.line !== undefined ? ` line ${fault.line}` : ''}: ${fault.reason}`, { ...fault });
    return body;
  };
  const found = async (id: number) => {
    const t = await store().get(id);
    if (!t) throw new ApiProblem('not-found', `no template ${id}`);
    return t;
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/templates',
      operationId: 'createTemplate',
      summary: 'Save a Liquid template',
      tags: TAGS,
      scope: 'admin',
      body: templateBody,
      responses: { 201: { description: 'The template', schema: templateView }, 422: { description: 'Not valid, or a part does not parse (`part` and `line` say where)' } },
      async handler({ body }) {
        return { status: 201, body: viewOf(await store().create(checked(body), deps.clock.now())) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/templates',
      operationId: 'listTemplates',
      summary: 'Saved templates, in id order',
      tags: TAGS,
      scope: 'read',
      query: idPageQuery,
      responses: { 200: { description: 'A page of templates', schema: z.object({ items: z.array(templateView), next: z.string().optional() }) } },
      async handler({ query }) {
        return { status: 200, body: await idPage(query, (o) => store().list(o), viewOf) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/templates/{id}',
      operationId: 'getTemplate',
      summary: 'One template',
      tags: TAGS,
      scope: 'read',
      params: idParam,
      responses: { 200: { description: 'The template', schema: templateView }, 404: { description: 'No such template' } },
      async handler({ params }) {
        return { status: 200, body: viewOf(await found(params.id)) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/templates/{id}',
      operationId: 'updateTemplate',
      summary: 'Replace a template',
      tags: TAGS,
      scope: 'admin',
      params: idParam,
      body: templateBody,
      responses: { 200: { description: 'The template', schema: templateView }, 404: { description: 'No such template' }, 422: { description: 'A part does not parse' } },
      async handler({ params, body }) {
        const t = await store().update(params.id, checked(body), deps.clock.now());
        if (!t) throw new ApiProblem('not-found', `no template ${params.id}`);
        return { status: 200, body: viewOf(t) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/templates/{id}',
      operationId: 'deleteTemplate',
      summary: 'Delete a template',
      tags: TAGS,
      scope: 'admin',
      params: idParam,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such template' } },
      async handler({ params }) {
        if (!(await store().delete(params.id))) throw new ApiProblem('not-found', `no template ${params.id}`);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/templates/{id}/preview',
      operationId: 'previewTemplate',
      summary: 'Render a template for a contact (by id) or for an address and attributes given here',
      description: 'The unsubscribe_url of a preview is a placeholder: the real one is signed for the sending domain of the campaign.',
      tags: TAGS,
      scope: 'read',
      params: idParam,
      body: z.strictObject({
        contact: z.number().int().positive().optional(),
        address: z.string().max(320).optional(),
        attributes: z.record(z.string().max(128), z.unknown()).optional(),
      }),
      responses: {
        200: { description: 'The rendered parts', schema: z.object({ subject: z.string(), html: z.string().optional(), text: z.string() }) },
        404: { description: 'No such template or contact' },
        422: { description: 'The render failed: `part` and `reason` say why' },
      },
      async handler({ params, body }) {
        const t = await found(params.id);
        let address = body.address ?? 'preview@example.com';
        let attributes: Record<string, unknown> = {};
        if (body.contact !== undefined) {
          const c = await deps.stores.segments.contact(body.contact);
          if (!c) throw new ApiProblem('not-found', `no contact ${body.contact}`);
          ({ address, attributes } = c);
        }
        attributes = { ...attributes, ...(body.attributes ?? {}) };
        const base = part().baseUrl ?? 'https://unsubscribe.invalid';
        const r = await part().renderer.render(t, { address, attributes, unsubscribeUrl: `${base}/u/preview` }, { id: t.id, updatedAt: t.updatedAt });
        if ('kind' in r) throw new ApiProblem('validation', `${r.part}: ${r.reason}`, { part: r.part, reason: r.reason });
        return { status: 200, body: r };
      },
    }),
  ];
}
