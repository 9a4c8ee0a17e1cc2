import { z } from 'zod';

/**
 * A segment's filter (docs/campaigns.md "Segments"): a JSON tree of
 * conditions over a contact's attributes, list memberships and delivery
 * history. It is validated here, at the edge, with the JSON path of every
 * fault (the API answers 422 with it); segment-sql.ts then compiles a valid
 * tree to SQL with every value bound as a parameter.
 */

export const ATTR_OPS = ['eq', 'ne', 'lt', 'gt', 'contains', 'exists'] as const;
export const ACTIVITY_EVENTS = ['delivered', 'bounced', 'unsubscribed', 'complained', 'opened', 'clicked'] as const;

/** Deepest nesting of groups and `not` (a filter is for people to read; deeper trees are mistakes or abuse). */
export const MAX_DEPTH = 8;
/** Most conditions in one filter: each is a term of the WHERE clause the database plans. */
export const MAX_CONDITIONS = 200;

export type AttrValue = string | number | boolean;
export interface AttrCondition {
  readonly attr: string;
  readonly op: (typeof ATTR_OPS)[number];
  readonly value?: AttrValue | undefined;
}
export interface ListCondition {
  readonly list: number;
}
export interface EventCondition {
  readonly event: (typeof ACTIVITY_EVENTS)[number];
  /** "30d": a duration in m, h, d or w back from now. */
  readonly since: string;
}
export interface NotCondition {
  readonly not: Condition;
}
export type SegmentFilter = { readonly all: readonly Condition[] } | { readonly any: readonly Condition[] };
export type Condition = AttrCondition | ListCondition | EventCondition | NotCondition | SegmentFilter;

const SINCE = /^([1-9][0-9]{0,4})([mhdw])$/;
const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "30d" → ms. */
export function sinceMs(since: string): number {
  const m = SINCE.exec(since);
  if (!m) throw new RangeError(`"${since}" is not a duration like 30d`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

// Names are bound as parameters (never spliced into SQL); the quote and backslash are
// refused only because SQLite's JSON path syntax ($."name") could not carry them.
const attrName = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^"\\\u0000-\u001f]+$/, 'an attribute name has no quote, backslash or control characters');
const attrValue = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);

const attrCondition = z
  .strictObject({ attr: attrName, op: z.enum(ATTR_OPS), value: attrValue.optional() })
  .refine((c) => c.op === 'exists' || c.value !== undefined, { message: 'needs a value (only exists has none)', path: ['value'] })
  .refine((c) => (c.op !== 'lt' && c.op !== 'gt') || typeof c.value !== 'boolean', { message: 'lt and gt compare numbers or text, not booleans', path: ['value'] });
const listCondition = z.strictObject({ list: z.number().int().positive() });
const eventCondition = z.strictObject({ event: z.enum(ACTIVITY_EVENTS), since: z.string().regex(SINCE, 'a duration like 30d (m, h, d or w)') });

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([attrCondition, listCondition, eventCondition, z.strictObject({ not: conditionSchema }), groupSchema]),
);
const groupSchema: z.ZodType<SegmentFilter> = z.lazy(() =>
  z.union([z.strictObject({ all: z.array(conditionSchema).max(MAX_CONDITIONS) }), z.strictObject({ any: z.array(conditionSchema).max(MAX_CONDITIONS) })]),
);

/** The filter as the API takes it: a group at the top, the depth and condition limits checked with the path of the fault. */
export const segmentFilterSchema: z.ZodType<SegmentFilter> = groupSchema
  .superRefine((filter, ctx) => {
    let count = 0;
    const walk = (c: Condition, depth: number, path: (string | number)[]): void => {
      if (depth > MAX_DEPTH) {
        ctx.addIssue({ code: 'custom', message: `nested deeper than ${MAX_DEPTH} levels`, path });
        return;
      }
      if ('all' in c || 'any' in c) {
        const key = 'all' in c ? 'all' : 'any';
        const items = 'all' in c ? c.all : c.any;
        items.forEach((x, i) => walk(x, depth + 1, [...path, key, i]));
      } else if ('not' in c) walk(c.not, depth + 1, [...path, 'not']);
      else if (++count === MAX_CONDITIONS + 1) ctx.addIssue({ code: 'custom', message: `more than ${MAX_CONDITIONS} conditions`, path });
    };
    walk(filter, 1, []);
  })
  .describe('{ "all" | "any": [conditions] }; a condition is {attr, op, value?}, {list}, {event, since}, {not: condition} or a nested group');

/**
 * The filter field of a request body: segmentFilterSchema behind an opaque
 * input. The OpenAPI document (api/openapi.ts) inlines each body's JSON
 * schema, and a recursive schema's $defs would not resolve there; the
 * validation and the JSON paths of its errors are the same.
 */
export const segmentFilterField = z
  .unknown()
  .describe('{ "all" | "any": [conditions] }; a condition is {attr, op: eq|ne|lt|gt|contains|exists, value?}, {list: id}, {event, since: "30d"}, {not: condition} or a nested group (docs/campaigns.md#segments)')
  .transform((v, ctx): SegmentFilter => {
    const r = segmentFilterSchema.safeParse(v);
    if (r.success) return r.data;
    for (const issue of r.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path as (string | number)[] });
    return z.NEVER;
  });
