import { z } from 'zod';
import type { Clock } from '../../core/index.js';
import { segmentFilterSchema } from '../../campaigns/segments/index.js';
import { allSteps, flowStepsInputSchema, flowTriggerSchema, shortWaits, ZERO_COUNTS, type FlowRecord, type FlowRun, type Flows } from '../../campaigns/flows/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface FlowRoutesDeps {
  /** Absent on a node without campaigns wired: the routes answer 404. */
  readonly flows?: Flows;
  readonly clock: Clock;
}

const TAGS = ['flows'];

const countsSchema = z.object({ running: z.number(), waiting: z.number(), completed: z.number(), exited: z.number() });
const flowView = z.object({
  id: z.number(),
  name: z.string(),
  trigger: z.unknown(),
  steps: z.array(z.unknown()),
  active: z.boolean(),
  apiKey: z.string().describe('The API key whose identity, domains and quotas the flow mails with (the one that created it)'),
  counts: countsSchema,
  createdAt: z.number(),
  updatedAt: z.number(),
});
const runView = z.object({
  id: z.number(),
  contact: z.number(),
  address: z.string(),
  position: z.string().describe('The path of the next step, e.g. "2.then.0"'),
  state: z.enum(['waiting', 'running', 'completed', 'exited']),
  nextAt: z.number().optional(),
  exitReason: z.string().optional(),
  startedAt: z.number(),
});

const flowBody = z.strictObject({
  name: z.string().min(1).max(200),
  trigger: flowTriggerSchema,
  steps: flowStepsInputSchema,
  active: z.boolean().default(true),
  apiKey: z.string().min(1).max(100).optional().describe("The API key (by name) whose identity, domains and quotas the flow's mail goes out under; default: the caller's (a dashboard login names one here)"),
});
const idParams = z.object({ id: z.coerce.number().int().positive() });

type FlowView = z.infer<typeof flowView>;

function view(f: FlowRecord, counts = ZERO_COUNTS): FlowView {
  return { id: f.id, name: f.name, trigger: f.trigger, steps: [...f.steps], active: f.active, apiKey: f.apiKey, counts, createdAt: f.createdAt, updatedAt: f.updatedAt };
}

function runJson(r: FlowRun): z.infer<typeof runView> {
  return {
    id: r.id,
    contact: r.contactId,
    address: r.address,
    position: r.position,
    state: r.state,
    ...(r.state === 'waiting' && r.nextAt !== undefined ? { nextAt: r.nextAt } : {}),
    ...(r.exitReason !== undefined ? { exitReason: r.exitReason } : {}),
    startedAt: r.startedAt,
  };
}

/** Automation flows (docs/campaigns.md "Automation (flows)"). */
export function flowRoutes(deps: FlowRoutesDeps): ApiRoute[] {
  // Read in handlers only: the OpenAPI test lists routes with empty deps.
  const flows = (): Flows => {
    if (!deps.flows) throw new ApiProblem('not-found', 'flows are not enabled on this node');
    return deps.flows;
  };
  const withCounts = async (f: FlowRecord) => view(f, (await flows().store.counts([f.id])).get(f.id));
  const found = async (id: number) => {
    const f = await flows().store.get(id);
    if (!f) throw new ApiProblem('not-found', `no flow ${id}`);
    return f;
  };
  // Waits against campaigns.flows.minWait, and branch conditions in the segments' grammar (compiled to SQL when a run gets there).
  const checkWaits = (steps: z.infer<typeof flowBody>['steps']) => {
    const errors = shortWaits(steps, flows().minWaitMs);
    for (const { step, path } of allSteps(steps)) {
      if (step.type !== 'branch') continue;
      const r = segmentFilterSchema.safeParse(step.if);
      for (const issue of r.error?.issues ?? []) errors.push({ path: ['body', 'steps', path, 'if', ...issue.path].join('.'), message: issue.message });
    }
    if (errors.length > 0) throw new ApiProblem('validation', `${errors[0]?.path}: ${errors[0]?.message}`, { errors });
  };
  const toggle = (action: 'pause' | 'resume') =>
    defineRoute({
      method: 'POST',
      path: `/api/v1/flows/{id}/${action}`,
      operationId: `${action}Flow`,
      summary: action === 'pause' ? 'Pause a flow: no new runs, and runs stay where they are' : 'Resume a paused flow: due runs go on',
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      responses: { 200: { description: 'The flow', schema: flowView }, 404: { description: 'No such flow' } },
      async handler({ params }) {
        const f = await flows().store.setActive(params.id, action === 'resume', deps.clock.now());
        if (!f) throw new ApiProblem('not-found', `no flow ${params.id}`);
        return { status: 200, body: await withCounts(f) };
      },
    });
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/flows',
      operationId: 'createFlow',
      summary: 'Create a flow: a trigger and steps',
      description: 'Its mail is sent as the calling API key (identity, domains, quotas). Waits shorter than campaigns.flows.minWait are refused.',
      tags: TAGS,
      scope: 'admin',
      body: flowBody,
      responses: { 201: { description: 'The flow', schema: flowView }, 422: { description: 'Not a valid flow' } },
      async handler({ body, caller }) {
        checkWaits(body.steps);
        const f = await flows().store.create({ ...body, apiKey: body.apiKey ?? caller?.name ?? '' }, deps.clock.now());
        return { status: 201, body: view(f) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/flows',
      operationId: 'listFlows',
      summary: 'Every flow, with its runs counted by state',
      tags: TAGS,
      scope: 'read',
      responses: { 200: { description: 'The flows', schema: z.object({ items: z.array(flowView) }) } },
      async handler() {
        const all = await flows().store.list();
        const counts = await flows().store.counts(all.map((f) => f.id));
        return { status: 200, body: { items: all.map((f) => view(f, counts.get(f.id))) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/flows/{id}',
      operationId: 'getFlow',
      summary: 'One flow, with its runs counted by state',
      tags: TAGS,
      scope: 'read',
      params: idParams,
      responses: { 200: { description: 'The flow', schema: flowView }, 404: { description: 'No such flow' } },
      async handler({ params }) {
        return { status: 200, body: await withCounts(await found(params.id)) };
      },
    }),
    defineRoute({
      method: 'PUT',
      path: '/api/v1/flows/{id}',
      operationId: 'updateFlow',
      summary: 'Replace a flow',
      description: 'Runs keep their positions, read against the new steps; a run whose position no longer names a step exits ("flow changed").',
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      body: flowBody,
      responses: { 200: { description: 'The flow', schema: flowView }, 404: { description: 'No such flow' }, 422: { description: 'Not a valid flow' } },
      async handler({ params, body }) {
        checkWaits(body.steps);
        const f = await flows().store.update(params.id, body, deps.clock.now());
        if (!f) throw new ApiProblem('not-found', `no flow ${params.id}`);
        return { status: 200, body: await withCounts(f) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/flows/{id}',
      operationId: 'deleteFlow',
      summary: 'Delete a flow and its runs',
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such flow' } },
      async handler({ params }) {
        if (!(await flows().store.delete(params.id))) throw new ApiProblem('not-found', `no flow ${params.id}`);
        return { status: 204 };
      },
    }),
    toggle('pause'),
    toggle('resume'),
    defineRoute({
      method: 'GET',
      path: '/api/v1/flows/{id}/runs',
      operationId: 'listFlowRuns',
      summary: "A flow's runs, newest first",
      tags: TAGS,
      scope: 'read',
      params: idParams,
      query: z.object({
        contact: z.string().max(320).optional().describe('Only this contact: its id or its address'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        cursor: z.string().regex(/^\d{1,15}$/).optional().describe('The `next` of the previous page'),
      }),
      responses: { 200: { description: 'A page of runs', schema: z.object({ items: z.array(runView), next: z.string().optional() }) }, 404: { description: 'No such flow' } },
      async handler({ params, query }) {
        await found(params.id);
        let contactId: number | undefined;
        if (query.contact !== undefined) {
          contactId = /^\d+$/.test(query.contact) ? Number(query.contact) : (await flows().store.contactByAddress(query.contact))?.id;
          if (contactId === undefined) return { status: 200, body: { items: [] } };
        }
        const rows = await flows().store.runs(params.id, {
          ...(contactId !== undefined ? { contactId } : {}),
          ...(query.cursor !== undefined ? { before: Number(query.cursor) } : {}),
          limit: query.limit + 1,
        });
        const page = rows.slice(0, query.limit);
        const last = page[page.length - 1];
        return { status: 200, body: { items: page.map(runJson), ...(rows.length > query.limit && last ? { next: String(last.id) } : {}) } };
      },
    }),
  ];
}
