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
