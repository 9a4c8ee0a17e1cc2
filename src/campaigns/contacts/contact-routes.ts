import { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { ApiProblem } from '../../api/problem.js';
import { defineRoute, type ApiRoute } from '../../api/route.js';
import { parseMailbox } from '../../core/index.js';
import type { ContactDetail } from './contact-store.js';
import { ContactsError, type Contacts } from './contacts.js';
import { ContactCsvError, exportContactsCsv, importContactsCsv } from './contacts-csv.js';
import { listRoutes } from './list-routes.js';

const TAGS = ['contacts'];
/** ~100 bytes a row: 100,000 rows with a few attributes fit. */
const IMPORT_BODY_LIMIT = 32 * 1024 * 1024;

export const address = z.string().max(320).refine((s) => parseMailbox(s.trim()) !== undefined, { message: 'must be an email address (local@domain)' });
/** Attribute values: JSON scalars (and nested JSON); null in a patch removes the key. */
export const attributes = z.record(z.string().min(1).max(100), z.unknown());

export const contactView = z.object({
  id: z.number().int(),
  address: z.string(),
  attributes: z.record(z.string(), z.unknown()),
  status: z.enum(['subscribed', 'unsubscribed', 'bounced', 'complained']),
  lists: z.array(z.object({ id: z.number().int(), name: z.string(), status: z.enum(['pending', 'subscribed', 'unsubscribed']) })),
  createdAt: z.number(),
  updatedAt: z.number(),
});
const consentView = z.object({ action: z.string(), source: z.string(), listId: z.number().int().optional(), ip: z.string().optional(), at: z.number(), detail: z.string().optional() });

export function contactJson(c: ContactDetail): z.infer<typeof contactView> {
  return { id: c.id, address: c.address, attributes: { ...c.attributes }, status: c.status, lists: c.lists.map((l) => ({ ...l })), createdAt: c.createdAt, updatedAt: c.updatedAt };
}

/** ContactsError → the API's problem. */
export async function mapped<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ContactsError) {
      if (err.code === 'not-found') throw new ApiProblem('not-found', err.message);
      if (err.code === 'no-double-opt-in') throw new ApiProblem('conflict', err.message);
      if (err.code === 'suppressed') throw new ApiProblem('conflict', err.message);
      throw new ApiProblem('bad-request', err.message);
    }
    throw err;
  }
}

const idParams = z.object({ id: z.coerce.number().int().min(1) });

/** Contacts and lists (docs/campaigns.md#contacts-and-lists). `contacts()` is read only in handlers. */
export function contactRoutes(contacts: () => Contacts): ApiRoute[] {
  const one = async (id: number) => {
    const c = await contacts().store.get(id);
    if (!c) throw new ApiProblem('not-found', `contact ${id} does not exist`);
    return c;
  };
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/contacts',
      operationId: 'upsertContact',
      summary: 'Create or update a contact by address (attributes merged; null removes a key); `lists` joins them as subscribed',
      tags: TAGS,
      scope: 'admin',
      body: z.strictObject({ address, attributes: attributes.optional(), lists: z.array(z.number().int().min(1)).max(100).optional() }),
      responses: { 201: { description: 'The contact', schema: contactView }, 404: { description: 'A list does not exist' } },
      async handler({ body }) {
        const c = await mapped(() => contacts().upsert(body.address, body.attributes ?? {}, body.lists ?? []));
        return { status: 201, body: contactJson(c) };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/contacts',
      operationId: 'listContacts',
      summary: 'Contacts in id order',
      tags: TAGS,
      scope: 'read',
      query: z.object({
        list: z.coerce.number().int().min(1).optional().describe('Members of this list (any member status)'),
        status: z.enum(['subscribed', 'unsubscribed', 'bounced', 'complained']).optional(),
        q: z.string().max(320).optional().describe('Addresses starting with this text'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        cursor: z.string().regex(/^\d+$/).max(20).optional(),
      }),
      responses: { 200: { description: 'A page', schema: z.object({ items: z.array(contactView), next: z.string().optional() }) } },
      async handler({ query: q }) {
        const rows = await contacts().store.list({
          ...(q.list !== undefined ? { list: q.list } : {}),
          ...(q.status !== undefined ? { status: q.status } : {}),
          ...(q.q !== undefined ? { q: q.q.trim() } : {}),
          ...(q.cursor !== undefined ? { afterId: Number(q.cursor) } : {}),
          limit: q.limit + 1,
        });
        const page = rows.slice(0, q.limit);
        const last = page[page.length - 1];
        return { status: 200, body: { items: page.map(contactJson), ...(rows.length > q.limit && last ? { next: String(last.id) } : {}) } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/contacts/import',
      operationId: 'importContacts',
      summary: 'Upsert contacts from CSV: a header row with an "address" or "email" column; other columns become string attributes',
      description: 'Globally suppressed addresses and bad addresses are rejected by row. With `list`, every imported contact joins it as subscribed (consent "imported").',
      tags: TAGS,
      scope: 'admin',
      body: 'raw',
      rawTypes: ['text/csv'],
      bodyLimit: IMPORT_BODY_LIMIT,
      query: z.object({ list: z.coerce.number().int().min(1).optional() }),
      responses: {
        200: {
          description: 'What was read and written',
          schema: z.object({
            total: z.number().int(),
            created: z.number().int(),
            updated: z.number().int(),
            rejected: z.array(z.object({ row: z.number().int(), address: z.string(), reason: z.string() })),
          }),
        },
        404: { description: 'No such list' },
        422: { description: 'No address column, or not CSV' },
      },
      async handler({ body, query: q }) {
        if (q.list !== undefined && !(await contacts().store.getList(q.list))) throw new ApiProblem('not-found', `list ${q.list} does not exist`);
        try {
          const r = await importContactsCsv(Readable.from([body as Buffer]), contacts(), q.list !== undefined ? { listId: q.list } : {});
          return { status: 200, body: { total: r.total, created: r.created, updated: r.updated, rejected: r.rejected } };
        } catch (err) {
          if (err instanceof ContactCsvError || (err as { code?: string }).code?.startsWith('CSV_')) throw new ApiProblem('validation', `The CSV could not be read: ${(err as Error).message}`);
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/contacts/export',
      operationId: 'exportContacts',
      summary: 'Contacts as CSV: address, status, lists, then one column per attribute',
      tags: TAGS,
      scope: 'read',
      query: z.object({ list: z.coerce.number().int().min(1).optional() }),
      responses: { 200: { description: 'text/csv', contentType: 'text/csv' } },
      async handler({ query: q }) {
        const chunks: Buffer[] = [];
        const sink = new Writable({ write: (c: Buffer, _e, done) => (chunks.push(c), done()) });
        await exportContactsCsv(contacts(), sink, q.list !== undefined ? { list: q.list } : {});
        return { status: 200, contentType: 'text/csv; charset=utf-8', body: Buffer.concat(chunks), headers: { 'content-disposition': 'attachment; filename="contacts.csv"' } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/contacts/{id}',
      operationId: 'getContact',
      summary: 'One contact with its consent record',
      tags: TAGS,
      scope: 'read',
      params: idParams,
      responses: { 200: { description: 'The contact', schema: contactView.extend({ consents: z.array(consentView) }) }, 404: { description: 'No such contact' } },
      async handler({ params }) {
        const c = await one(params.id);
        return { status: 200, body: { ...contactJson(c), consents: (await contacts().store.consents(c.id)).map((x) => ({ ...x })) } };
      },
    }),
    defineRoute({
      method: 'PATCH',
      path: '/api/v1/contacts/{id}',
      operationId: 'patchContact',
      summary: 'Merge attributes (a null value removes the key)',
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      body: z.strictObject({ attributes }),
      responses: { 200: { description: 'The contact', schema: contactView }, 404: { description: 'No such contact' } },
      async handler({ params, body }) {
        return { status: 200, body: contactJson(await mapped(() => contacts().patch(params.id, body.attributes))) };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/contacts/{id}',
      operationId: 'deleteContact',
      summary: 'Delete a contact, its memberships and consent record (suppressions stay)',
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such contact' } },
      async handler({ params }) {
        if (!(await contacts().store.delete(params.id))) throw new ApiProblem('not-found', `contact ${params.id} does not exist`);
        return { status: 204 };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/contacts/{id}/unsubscribe',
      operationId: 'unsubscribeContact',
      summary: 'Leave one list, or (no list) unsubscribe globally: a suppression with reason unsubscribe',
      tags: TAGS,
      scope: 'admin',
      params: idParams,
      body: z.strictObject({ list: z.number().int().min(1).optional() }),
      responses: { 200: { description: 'The contact', schema: contactView }, 404: { description: 'No such contact, or not on that list' } },
      async handler({ params, body }) {
        return { status: 200, body: contactJson(await mapped(() => contacts().unsubscribe(params.id, body.list))) };
      },
    }),
    ...listRoutes(contacts),
  ];
}
