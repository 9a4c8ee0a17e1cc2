import { z } from 'zod';
import { ApiProblem } from '../../api/problem.js';
import { defineRoute, type ApiRoute } from '../../api/route.js';
import { parseMailbox } from '../../core/index.js';
import type { ContactList } from './contact-store.js';
import type { Contacts } from './contacts.js';
import { address, attributes, contactJson, contactView, mapped } from './contact-routes.js';

const TAGS = ['contacts'];

const listView = z.object({
  id: z.number().int(),
  name: z.string(),
  optIn: z.enum(['single', 'double']),
  description: z.string().optional(),
  confirmFrom: z.string().optional(),
  counts: z.object({ subscribed: z.number().int(), pending: z.number().int(), unsubscribed: z.number().int() }),
  createdAt: z.number(),
});

const listJson = (l: ContactList): z.infer<typeof listView> => ({ ...l, counts: { ...l.counts } });
const idParams = z.object({ id: z.coerce.number().int().min(1) });

/** Lists and subscribing (docs/campaigns.md#contacts-and-lists). */
export function listRoutes(contacts: () => Contacts): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/lists',
      operationId: 'createList',
      summary: 'Create a list; double opt-in lists join only on a confirmed link',
      tags: TAGS,
      scope: 'admin',
      body: z.strictObject({
        name: z.string().trim().min(1).max(100),
        optIn: z.enum(['single', 'double']),
        description: z.string().max(1000).optional(),
        confirmFrom: address.optional().describe('Sender of the confirmation mail (double opt-in); absent: "no-reply@" a domain of the subscribing API key'),
      }),
      responses: { 201: { description: 'The list', schema: listView }, 409: { description: 'A list of that name exists' } },
      async handler({ body }) {
        const store = contacts().store;
        if (await store.listByName(body.name)) throw new ApiProblem('conflict', `a list named "${body.name}" exists already`);
        const l = await store.createList(
          { name: body.name, optIn: body.optIn, ...(body.description !== undefined ? { description: body.description } : {}), ...(body.confirmFrom !== undefined ? { confirmFrom: body.confirmFrom.trim() } : {}) },
          contacts().deps.clock.now(),
        );
        return { status: 201, body: listJson(l) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/lists',
      operationId: 'listLists',
      summary: 'Every list with its member counts',
      tags: TAGS,
      scope: 'read',
      responses: { 200: { description: 'The lists', schema: z.object({ items: z.array(listView) }) } },
      async handler() {
        return { status: 200, body: { items: (await contacts().store.lists()).map(listJson) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/lists/{id}',
      operationId: 'getList',
      summary: 'One list with its member counts',
      tags: TAGS,
      scope: 'read',
      params: idParams,
      responses: { 200: { description: 'The list', schema: listView }, 404: { description: 'No such list' } },
      async handler({ params }) {
        const l = await contacts().store.getList(params.id);
        if (!l) throw new ApiProblem('not-found', `list ${params.id} does not exist`);
        return { status: 200, body: listJson(l) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/lists/{id}',
      operationId: 'deleteList',
      summary: 'Delete a list and its memberships (the contacts stay)',
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such list' } },
      async handler({ params }) {
        if (!(await contacts().store.deleteList(params.id))) throw new ApiProblem('not-found', `list ${params.id} does not exist`);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/lists/{id}/subscribe',
      operationId: 'subscribeToList',
      summary: 'Subscribe an address: single opt-in joins at once; double opt-in mails a confirmation link (sent as this API key) and joins on confirmation',
      tags: TAGS,
      scope: 'send',
      params: idParams,
      body: z.strictObject({ address, attributes: attributes.optional() }),
      responses: {
        202: { description: 'Subscribed, or pending confirmation', schema: z.object({ contact: contactView, status: z.enum(['pending', 'subscribed']) }) },
        404: { description: 'No such list' },
        409: { description: 'Globally suppressed, or double opt-in without `unsubscribe` configured' },
      },
      async handler({ params, body, caller, ip }) {
        if (!parseMailbox(body.address.trim())) throw new ApiProblem('validation', 'address must be an email address');
        const r = await mapped(() => contacts().subscribe(params.id, body.address, body.attributes ?? {}, { apiKey: caller?.name ?? '', source: 'api', ip }));
        return { status: 202, body: { contact: contactJson(r.contact), status: r.status } };
      },
    }),
  ];
}
