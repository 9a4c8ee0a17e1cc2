import { z } from 'zod';
import { ApiProblem } from '../problem.js';

/**
 * Opaque page cursors: the position a page ended at, as base64url JSON. Clients
 * pass them back unchanged; the shape may change between versions, so they
 * are not to be built by hand. Keyset positions (not offsets), so a page
 * neither repeats nor skips items when new ones arrive between requests.
 */
export function encodeCursor(position: unknown): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

/** The position in a cursor, checked by `valid`; a cursor that is not one of ours is a 400 (RFC 9110 §15.5.1). */
export function decodeCursor<T>(cursor: string, valid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!valid(value)) throw new ApiProblem('bad-request', 'The cursor is not one this API gave out: pass the "nextCursor" of the previous page unchanged, or leave it out to start from the first page.');
  return value;
}

/** `?limit=&cursor=` of a list paged by numeric id (segments, templates). */
export const idPageQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), cursor: z.string().max(200).optional() });

const isIdPosition = (v: unknown): v is { id: number } => typeof v === 'object' && v !== null && typeof (v as { id: unknown }).id === 'number';

/**
 * One page of a list kept in id order: reads `limit + 1` rows after the
 * cursor's id (one more tells whether a next page exists) and gives the
 * items with the cursor of the next page.
 */
export async function idPage<R extends { readonly id: number }, V>(
  query: z.output<typeof idPageQuery>,
  read: (o: { readonly limit: number; readonly after: number }) => Promise<readonly R[]>,
  view: (row: R) => V,
): Promise<{ items: V[]; next?: string }> {
  const after = query.cursor !== undefined ? decodeCursor(query.cursor, isIdPosition).id : 0;
  const rows = await read({ limit: query.limit + 1, after });
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { items: page.map(view), ...(rows.length > query.limit && last ? { next: encodeCursor({ id: last.id }) } : {}) };
}
