import { z } from 'zod';
import type { Clock } from '../../core/index.js';
import type { Segment, SegmentStore } from '../../campaigns/segments/index.js';
import { segmentFilterField } from '../../campaigns/segments/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { idPage, idPageQuery } from './page-cursor.js';

export interface SegmentRoutesDeps {
  readonly stores: { readonly segments: SegmentStore };
  readonly clock: Clock;
}

const TAGS = ['segments'];
const MAX_SAMPLE = 100;

const idParam = z.object({ id: z.coerce.number().int().positive() });
const segmentBody = z.strictObject({ name: z.string().trim().min(1).max(200), filter: segmentFilterField });
const segmentView = z.object({ id: z.number(), name: z.string(), filter: z.unknown(), createdAt: z.number(), updatedAt: z.number() });
const previewView = z.object({
  count: z.number(),
  sample: z.array(z.object({ id: z.number(), address: z.string(), attributes: z.record(z.string(), z.unknown()) })),
  tookMs: z.number().describe('How long the count and sample took in the database'),
});

const viewOf = (s: Segment) => ({ id: s.id, name: s.name, filter: s.filter, createdAt: s.createdAt, updatedAt: s.updatedAt });

/** Segments (docs/campaigns.md#segments): saved contact filters, and previews of what a filter selects now. */
export function segmentRoutes(deps: SegmentRoutesDeps): ApiRoute[] {
  // Read in handlers only: the OpenAPI test lists routes with empty deps.
  const store = () => deps.stores.segments;
  const found = async (id: number) => {
    const s = await store().get(id);
    if (!s) throw new ApiProblem('not-found', `no segment ${id}`);
    return s;
  };
  const preview = async (filter: Segment['filter'], sample: number) => {
    const start = performance.now();
    const r = await store().preview(filter, sample, deps.clock.now());
    return { count: r.count, sample: r.sample, tookMs: Math.round((performance.now() - start) * 10) / 10 };
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/segments',
      operationId: 'createSegment',
      summary: 'Save a segment: a named contact filter',
      tags: TAGS,
      scope: 'admin',
      body: segmentBody,
      responses: { 201: { description: 'The segment', schema: segmentView }, 422: { description: 'The filter is not valid (the errors name its JSON path)' } },
      async handler({ body }) {
        return { status: 201, body: viewOf(await store().create(body, deps.clock.now())) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/segments',
      operationId: 'listSegments',
      summary: 'Saved segments, in id order',
      tags: TAGS,
      scope: 'read',
      query: idPageQuery,
      responses: { 200: { description: 'A page of segments', schema: z.object({ items: z.array(segmentView), next: z.string().optional() }) } },
      async handler({ query }) {
        return { status: 200, body: await idPage(query, (o) => store().list(o), viewOf) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/segments/{id}',
      operationId: 'getSegment',
      summary: 'One segment',
      tags: TAGS,
      scope: 'read',
      params: idParam,
      responses: { 200: { description: 'The segment', schema: segmentView }, 404: { description: 'No such segment' } },
      async handler({ params }) {
        return { status: 200, body: viewOf(await found(params.id)) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/segments/{id}',
      operationId: 'updateSegment',
      summary: 'Replace a segment\'s name and filter',
      tags: TAGS,
      scope: 'admin',
      params: idParam,
      body: segmentBody,
      responses: { 200: { description: 'The segment', schema: segmentView }, 404: { description: 'No such segment' } },
      async handler({ params, body }) {
        const s = await store().update(params.id, body, deps.clock.now());
        if (!s) throw new ApiProblem('not-found', `no segment ${params.id}`);
        return { status: 200, body: viewOf(s) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/segments/{id}',
      operationId: 'deleteSegment',
      summary: 'Delete a segment',
      tags: TAGS,
      scope: 'admin',
      params: idParam,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such segment' } },
      async handler({ params }) {
        if (!(await store().delete(params.id))) throw new ApiProblem('not-found', `no segment ${params.id}`);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/segments/{id}/preview',
      operationId: 'previewSegment',
      summary: 'How many contacts a saved segment selects now, and the first of them',
      tags: TAGS,
      scope: 'read',
      params: idParam,
      query: z.object({ sample: z.coerce.number().int().min(0).max(MAX_SAMPLE).default(10) }),
      responses: { 200: { description: 'Count and sample', schema: previewView }, 404: { description: 'No such segment' } },
      async handler({ params, query }) {
        const s = await found(params.id);
        return { status: 200, body: await preview(s.filter, query.sample) };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/segments/preview',
      operationId: 'previewFilter',
      summary: 'How many contacts an unsaved filter selects now, and the first of them (the dashboard\'s editor)',
      tags: TAGS,
      scope: 'read',
      body: z.strictObject({ filter: segmentFilterField, sample: z.number().int().min(0).max(MAX_SAMPLE).default(10) }),
      responses: { 200: { description: 'Count and sample', schema: previewView }, 422: { description: 'The filter is not valid' } },
      async handler({ body }) {
        return { status: 200, body: await preview(body.filter, body.sample) };
      },
    }),
  ];
}
