import type { z } from 'zod';
import { ApiProblem } from './problem.js';

/** One validation failure, as the `errors` member of a 422 `validation` problem. */
export interface FieldError {
  /** Where: "body.to[0].address", "query.limit", "params.id". */
  readonly path: string;
  readonly message: string;
}

type Where = 'params' | 'query' | 'body';

/** "body.to[0].address" from zod's path. */
function pathText(where: Where, path: readonly PropertyKey[]): string {
  return where + path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
}

/**
 * Validate each part of a request with its zod schema (absent schema: passed
 * through). All failures of all parts are reported together, so a client fixes
 * them in one round (RFC 9110 §15.5.21 422: well-formed but not valid).
 */
export function validateParts(parts: readonly { where: Where; schema: z.ZodType | undefined; value: unknown }[]): Record<Where, unknown> {
  const out: Record<Where, unknown> = { params: undefined, query: undefined, body: undefined };
  const errors: FieldError[] = [];
  for (const { where, schema, value } of parts) {
    if (!schema) {
      out[where] = value;
      continue;
    }
    const result = schema.safeParse(value);
    if (result.success) out[where] = result.data;
    else for (const issue of result.error.issues) errors.push({ path: pathText(where, issue.path), message: issue.message });
  }
  if (errors.length > 0) {
    const first = errors[0] as FieldError;
    const detail = errors.length === 1 ? `${first.path}: ${first.message}` : `${errors.length} problems, the first: ${first.path}: ${first.message}`;
    throw new ApiProblem('validation', detail, { errors });
  }
  return out;
}
