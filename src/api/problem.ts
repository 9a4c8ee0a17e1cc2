/**
 * API errors as RFC 9457 problem details (`application/problem+json`).
 *
 * Every error the API answers has a stable `type`: a URI naming the kind of
 * problem, documented in docs/api.md#errors, that clients may switch on. The
 * `title` is fixed per type; `detail` says what went wrong with this request,
 * in words an operator can act on. Extra members (RFC 9457 §3.2) carry
 * machine-readable detail, e.g. `errors` for validation.
 */

/** The base of every problem type URI (RFC 9457 §3.1.1: a URI; ours resolve to docs/api.md sections). */
export const PROBLEM_BASE = 'https://baton.dev/problems/';

/** The catalogue: one entry per kind of problem, with its HTTP status and fixed title. */
export const PROBLEMS = {
  'bad-request': { status: 400, title: 'The request is malformed' },
  unauthorized: { status: 401, title: 'An API key is required' },
  forbidden: { status: 403, title: 'The API key may not do this' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  conflict: { status: 409, title: 'The request conflicts with the current state' },
  'idempotency-conflict': { status: 409, title: 'The Idempotency-Key was used with another request' },
  'too-large': { status: 413, title: 'The request body is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  validation: { status: 422, title: 'The request is not valid' },
  'rejected': { status: 422, title: 'The message was refused' },
  'rate-limited': { status: 429, title: 'Too many requests' },
  'quota-exceeded': { status: 429, title: 'Sending quota exceeded' },
  'temporary-failure': { status: 503, title: 'Temporary failure, try again later' },
  internal: { status: 500, title: 'Internal error' },
  // Dashboard logins (api/admins).
  csrf: { status: 403, title: 'The request failed the CSRF check' },
  'login-failed': { status: 401, title: 'Wrong name or password' },
  'account-locked': { status: 429, title: 'The account is locked after failed logins' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemType = keyof typeof PROBLEMS;

/** The JSON body of a problem response. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail?: string;
  readonly instance?: string;
  readonly [extension: string]: unknown;
}

/**
 * Thrown by route handlers (and the framework glue) to answer with a problem.
 * `headers` carries e.g. `Retry-After` (429, 503) or `WWW-Authenticate` (401).
 */
export class ApiProblem extends Error {
  readonly status: number;
  constructor(
    readonly kind: ProblemType,
    readonly detail?: string,
    readonly extensions: Readonly<Record<string, unknown>> = {},
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(detail ?? PROBLEMS[kind].title);
    this.name = 'ApiProblem';
    this.status = PROBLEMS[kind].status;
  }

  body(instance?: string): ProblemBody {
    return {
      ...this.extensions,
      type: `${PROBLEM_BASE}${this.kind}`,
      title: PROBLEMS[this.kind].title,
      status: this.status,
      ...(this.detail !== undefined ? { detail: this.detail } : {}),
      ...(instance !== undefined ? { instance } : {}),
    };
  }
}
