import { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { parseMailbox, type Clock } from '../../core/index.js';
import { CsvImportError, exportCsv, importCsvStream, SUPPRESSION_REASONS, type SuppressionEntry, type SuppressionQuery, type Suppressions } from '../../suppression/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { decodeCursor, encodeCursor } from './page-cursor.js';

export interface SuppressionRoutesDeps {
  /** The one way to change the list: it writes the suppression-added/-removed events (src/suppression/suppressions.ts). */
  readonly suppressions: Suppressions;
  readonly clock: Clock;
}

const TAGS = ['Suppressions'];
/** Entries one POST may carry (an import of a larger list is `baton suppression import`). */
const MAX_PER_REQUEST = 10_000;
/** A CSV import's body: about 250,000 rows; a bigger file goes in parts (as the dashboard sends it) or through `baton suppression import`. */
const IMPORT_BODY_LIMIT = 16 * 1024 * 1024;
/** Bad-row messages an import answer carries; the count says how many there were in all. */
const MAX_PROBLEMS = 100;

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

/** The filters list and export share: what the dashboard's search form sends. */
const filterQuery = {
  contains: z.string().max(320).optional().describe('Addresses containing this text, any case: "bob", "@example.com"'),
  reason: z.enum(SUPPRESSION_REASONS).optional(),
  scope: z.string().max(255).optional().describe('"global" or a sending domain'),
  source: z.string().max(255).optional().describe('Sources containing this text, any case: "csv:", "api:ops", a queue id'),
};

function filterOf(q: { address?: string | undefined; contains?: string | undefined; reason?: SuppressionQuery['reason']; scope?: string | undefined; source?: string | undefined }): Omit<SuppressionQuery, 'limit' | 'after'> {
  return {
    ...(q.address !== undefined ? { address: q.address } : {}),
    ...(q.contains !== undefined && q.contains.trim() !== '' ? { contains: q.contains } : {}),
    ...(q.reason !== undefined ? { reason: q.reason } : {}),
    ...(q.scope !== undefined && q.scope !== '' ? { scope: q.scope } : {}),
    ...(q.source !== undefined && q.source.trim() !== '' ? { source: q.source } : {}),
  };
}

/** "2026-11-30T17:20:05.123Z" → "20261130-172005", for a download's file name. */
const stamp = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);

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
        address: z.string().max(320).optional().describe('This address only (exact, any case)'),
        ...filterQuery,
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
          ...filterOf(q),
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
      path: '/api/v1/suppressions/export',
      operationId: 'exportSuppressions',
      summary: 'The list (or what the filters select) as CSV, the format POST /api/v1/suppressions/import and `baton suppression import` read',
      description: 'Columns address,domain,reason,source,created,expires; an empty domain is a global entry, an empty expires never expires.',
      tags: TAGS,
      scope: 'read',
      query: z.object(filterQuery),
      responses: { 200: { description: 'text/csv, as an attachment', contentType: 'text/csv' } },
      async handler({ query: q }) {
        // The answer is built whole (the route contract sends a string or bytes): ~60 bytes a row, 6 MB for 100,000.
        const chunks: Buffer[] = [];
        const sink = new Writable({
          write(chunk: Buffer, _enc, done) {
            chunks.push(chunk);
            done();
          },
        });
        await exportCsv(store(), sink, () => undefined, filterOf(q));
        const name = `suppressions-${stamp(deps.clock.now())}.csv`;
        return { status: 200, contentType: 'text/csv; charset=utf-8', body: Buffer.concat(chunks), headers: { 'content-disposition': `attachment; filename="${name}"` } };
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/suppressions/import',
      operationId: 'importSuppressions',
      summary: 'Add the rows of a CSV file: a header row "address[,domain,reason,source,created,expires]" or a single column of addresses',
      description:
        'The same reader as `baton suppression import`: bad rows are skipped and listed by line, good rows are written 5,000 per commit, each a suppression-added event. A file larger than the body limit goes in parts, each with the header row repeated and `lineOffset` set so lines are numbered as in the file.',
      tags: TAGS,
      scope: 'admin',
      body: 'raw',
      rawTypes: ['text/csv'],
      bodyLimit: IMPORT_BODY_LIMIT,
      query: z.object({
        reason: z.enum(SUPPRESSION_REASONS).default('manual').describe('For rows without one'),
        domain: domain.optional().describe('For rows without one: scope them to this sending domain (default: global)'),
        file: z.string().max(200).optional().describe('The file name, for each entry\'s source "csv:FILE" (default: "api:KEYNAME")'),
        lineOffset: z.coerce.number().int().min(0).default(0).describe('File lines before this part (its repeated header row not counted), so bad rows are reported by file line'),
      }),
      responses: {
        200: {
          description: 'What was read and written',
          schema: z.object({
            rows: z.number().int().describe('Data rows read (the header row not counted)'),
            imported: z.number().int(),
            skipped: z.number().int().describe('Bad rows, not written'),
            problems: z.array(z.string()).describe(`The first ${MAX_PROBLEMS} bad rows: "line 12: ..."`),
            hasHeader: z.boolean().describe('The first row named the columns (repeat it in each further part)'),
          }),
        },
        413: { description: 'Larger than 16 MiB: send it in parts' },
        422: { description: 'Not CSV, or a header with an unknown column; `imported` says how many rows before the fault were kept' },
      },
      async handler({ body, query: q, caller }) {
        const source = q.file !== undefined && q.file.trim() !== '' ? `csv:${q.file.trim()}` : `api:${caller?.name ?? 'unknown'}`;
        try {
          const report = await importCsvStream(
            Readable.from([body as Buffer]),
            deps.suppressions,
            { reason: q.reason, source, now: deps.clock.now(), ...(q.domain !== undefined ? { domain: q.domain.toLowerCase() } : {}) },
            undefined,
            { lineOffset: q.lineOffset },
          );
          return {
            status: 200,
            body: { rows: report.rows, imported: report.imported, skipped: report.problems.length, problems: report.problems.slice(0, MAX_PROBLEMS), hasHeader: report.hasHeader },
          };
        } catch (err) {
          if (err instanceof CsvImportError) throw new ApiProblem('validation', `The CSV could not be read: ${err.message}. Fix the file and import it again (rows already imported are replaced, not doubled).`, { imported: err.imported });
          throw err;
        }
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
