import { z } from 'zod';
import type { Flows } from '../../campaigns/flows/index.js';
import { parseMailbox } from '../../core/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface EventTriggerRoutesDeps {
  readonly flows?: Flows;
}

/** POST /api/v1/events: an application says something happened to a contact; flows triggered by that name start a run. */
export function eventTriggerRoutes(deps: EventTriggerRoutesDeps): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/events',
      operationId: 'postEvent',
      summary: 'Tell flows an event happened to a contact: each active flow with trigger {type: event, name} starts a run',
      description: 'A contact with a live run of a flow does not start a second one. `data` is accepted for the caller\'s records; steps do not read it yet.',
      tags: ['flows'],
      scope: 'send',
      body: z.strictObject({
        name: z.string().min(1).max(200),
        contact: z.string().max(320).refine((s) => parseMailbox(s.trim()) !== undefined, { message: 'must be an email address (local@domain)' }).describe("The contact's address"),
        data: z.record(z.string(), z.unknown()).optional(),
      }),
      responses: { 202: { description: 'How many runs started', schema: z.object({ started: z.number() }) }, 404: { description: 'No contact with that address' } },
      async handler({ body }) {
        if (!deps.flows) throw new ApiProblem('not-found', 'flows are not enabled on this node');
        const started = await deps.flows.triggers.event(body.name, body.contact);
        if (started === undefined) throw new ApiProblem('not-found', `no contact ${body.contact.trim().toLowerCase()}`);
        return { status: 202, body: { started } };
      },
    }),
  ];
}
