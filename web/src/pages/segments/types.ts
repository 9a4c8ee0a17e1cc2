/** The API's segment shapes (issue 15, part B: tag `segments`). */

/** `{all|any: [cond...]}`, nestable; the server validates it, the page only checks it is such an object. */
export type SegmentFilter = Readonly<Record<string, unknown>>;

export interface SegmentView {
  readonly id: number;
  readonly name: string;
  readonly filter: SegmentFilter;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** GET /segments/{id}/preview and POST /segments/preview. */
export interface SegmentPreview {
  readonly count: number;
  readonly sample: readonly { readonly id: number; readonly address: string; readonly attributes: Readonly<Record<string, unknown>> }[];
  readonly tookMs: number;
}

/** What a new segment's editor starts with: every subscribed contact of list 1 on the pro plan. */
export const EXAMPLE_FILTER = { all: [{ list: 1 }, { attr: 'plan', op: 'eq', value: 'pro' }] };

/**
 * The filter as typed, checked just enough to catch a slip before the
 * request (not JSON, not `{all|any: [...]}`); the conditions themselves are
 * the server's to judge (its 422 names the bad one).
 */
export function parseFilter(text: string): SegmentFilter {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`The filter is not JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('The filter must be an object: {"all": [...]} or {"any": [...]}.');
  const groups = Object.keys(value).filter((k) => k === 'all' || k === 'any');
  if (groups.length !== 1 || !Array.isArray((value as Record<string, unknown>)[groups[0] as string])) {
    throw new Error('The filter must have exactly one of "all" or "any", holding a list of conditions.');
  }
  return value as SegmentFilter;
}
