import { z } from 'zod';
import { parseMailbox } from '../../core/index.js';
import { SUPPRESSION_REASONS, type SuppressionEntry, type Suppressions } from '../../suppression/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

export interface SuppressionRoutesDeps {
  /** The one way to change the list: it writes the suppression-added/-removed events (src/suppression/suppressions.ts). */
  readonly suppressions: Suppressions;
}

const TAGS = ['Suppressions'];
/** Entries one POST may carry (an import of a larger list is `baton suppression import`). */
const MAX_PER_REQUEST = 10_000;

const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());

const address = z.string().max(320).refine((s) => parseMailbox(s.trim()) !== undefined, { message: 'must be an email address (local@domain)' });
const domain = z.string().max(255).refine((s) => parseMailbox(`x@${s}`) !== undefined, { message: 'must be a domain name' });

const entrySchema = z.object({
  address: z.string(),
  scope: z.string().describe('"global", or the sending domain (and its subdomains) the entry applies to'),
  reason: z.enum(SUPPRESSION_REASONS),
  source: z.string().nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
});

const newEntry = z.strictObject({
  address,
  domain: domain.optional().describe('Only mail from this sending domain (and its subdomains); absent: global'),
  reason: z.enum(SUPPRESSION_REASONS).default('manual'),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('When the entry stops applying; absent: never'),
});

const addBody = z.union([newEntry, z.strictObject({ entries: z.array(newEntry).min(1).max(MAX_PER_REQUEST) })]).describe('One entry, or { "entries": [...] }');

function entryJson(e: SuppressionEntry): z.infer<typeof entrySchema> {
  return { address: e.address, scope: e.domain ?? 'global', reason: e.reason, source: e.source ?? null, createdAt: iso(e.createdAt) ?? '', expiresAt: iso(e.expiresAt) };
}

type Position = { address: string; domain?: string };
const isPosition = (v: unknown): v is Position =>
  typeof v === 'object' && v !== null && typeof (v as Position).address === 'string' && ((v as Position).domain === undefined || typeof (v as Position).domain === 'string');

/** Suppression list CRUD through the Suppressions service (docs/api.md "Suppressions"). */
export function suppressionRoutes(deps: SuppressionRoutesDeps): ApiRoute[] {
  // Read in handlers only: the OpenAPI test lists routes with empty deps.
  const store = () => deps.suppressions.store;
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/suppressions',
      operationId: 'listSuppressions',
      summary: 'List suppressed addresses, in address order',
      tags: TAGS,
      scope: 'read',
      query: z.object({
        address: z.string().max(320).optional(),
        reason: z.enum(SUPPRESSION_REASONS).optional(),
        scope: z.string().max(255).optional().describe('"global" or a sending domain'),
        limit: z.coerce.number().int().min(1).max(1000).default(100),
        cursor: z.string().max(1024).optional(),
      }),
      responses: {
        200: { description: 'A page of entries', schema: z.object({ suppressions: z.array(entrySchema), nextCursor: z.string().nullable() }) },
        400: { description: 'A cursor this API did not give out' },
      },
      async handler({ query: q }) {
        const after = q.cursor !== undefined ? decodeCursor(q.cursor, isPosition) : undefined;
        const rows = await store().list({
          ...(q.address !== undefined ? { address: q.address } : {}),
          ...(q.reason !== undefined ? { reason: q.reason } : {}),
          ...(q.scope !== undefined ? { scope: q.scope } : {}),
          ...(after ? { after } : {}),
          limit: q.limit + 1,
        });
        const page = rows.slice(0, q.limit);
        const last = page[page.length - 1];
        const next = rows.length > q.limit && last ? encodeCursor({ address: last.address, ...(last.domain !== undefined ? { domain: last.domain } : {}) }) : null;
        return { status: 200, body: { suppressions: page.map(entryJson), nextCursor: next } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/suppressions/{address}',
      operationId: 'getSuppression',
      summary: 'The entries of one address (global and per sending domain)',
      tags: TAGS,
      scope: 'read',
      params: z.object({ address }),
      responses: { 200: { description: 'Its entries', schema: z.object({ address: z.string(), entries: z.array(entrySchema) }) }, 404: { description: 'Not suppressed' } },
      async handler({ params }) {
        const entries = await store().list({ address: params.address, limit: 1000 });
        if (entries.length === 0) throw new ApiProblem('not-found', `${params.address} is not on the suppression list.`);
        return { status: 200, body: { address: entries[0]?.address ?? params.address, entries: entries.map(entryJson) } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/suppressions',
      operationId: 'addSuppressions',
      summary: 'Add one address or many (an existing entry of the same scope is replaced)',
      tags: TAGS,
      scope: 'admin',
      body: addBody,
      responses: { 201: { description: 'Written', schema: z.object({ added: z.number().int() }) }, 422: { description: 'An invalid entry' } },
      async handler({ body, caller }) {
        const list = 'entries' in body ? body.entries : [body];
        const source = `api:${caller?.name ?? 'unknown'}`;
        const added = await deps.suppressions.add(
          list.map((e) => ({
            address: e.address.trim(),
            reason: e.reason,
            source,
            ...(e.domain !== undefined ? { domain: e.domain.toLowerCase() } : {}),
            ...(e.expiresAt !== undefined ? { expiresAt: Date.parse(e.expiresAt) } : {}),
          })),
        );
        return { status: 201, body: { added } };
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/suppressions/{address}',
      operationId: 'removeSuppression',
      summary: 'Remove an address: its global entry, one scope\'s (?scope=domain), or all (?scope=all)',
      tags: TAGS,
      scope: 'admin',
      params: z.object({ address }),
      query: z.object({ scope: z.string().max(255).optional().describe('"global" (default), a sending domain, or "all"') }),
      responses: { 200: { description: 'Removed', schema: z.object({ removed: z.number().int() }) }, 404: { description: 'No such entry' } },
      async handler({ params, query, caller }) {
        const scope = query.scope ?? 'global';
        const opts = scope === 'all' ? { allScopes: true } : scope === 'global' ? {} : { domain: scope.toLowerCase() };
        const removed = await deps.suppressions.remove(params.address, { ...opts, source: `api:${caller?.name ?? 'unknown'}` });
        if (removed === 0) throw new ApiProblem('not-found', `${params.address} has no ${scope === 'all' ? '' : `${scope} `}entry on the suppression list.`);
        return { status: 200, body: { removed } };
      },
    }),
  ];
}
