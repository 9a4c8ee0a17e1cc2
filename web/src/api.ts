/**
 * The dashboard's only way to the server: the public HTTP API (docs/api.md),
 * same origin, authenticated by the admin's session cookie. State-changing
 * requests carry the session's CSRF token in X-CSRF-Token (the server refuses
 * them without it), so another site cannot make the browser act for the admin.
 */

/** An RFC 9457 problem the API answered, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    detail: string,
    /** The problem's extension members: `errors` for 422, `retryAfter` for 429... */
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(detail);
  }
}

let csrfToken: string | undefined;
let onUnauthorized: (() => void) | undefined;

/** Set by the session once logged in (and cleared at logout). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** What to do when a request finds the session gone (expired or logged out elsewhere). */
export function setUnauthorizedHandler(handler: (() => void) | undefined): void {
  onUnauthorized = handler;
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** JSON body. */
  readonly json?: unknown;
  /** Raw body with its content type (CSV import, raw message). */
  readonly raw?: { readonly body: string | Blob; readonly type: string };
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly signal?: AbortSignal;
}

/** "/api/v1/messages" + {state: 'held'} → "/api/v1/messages?state=held" (undefined and '' dropped). */
export function apiUrl(path: string, query?: RequestOptions['query']): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const method = opts.method ?? (opts.json !== undefined || opts.raw !== undefined ? 'POST' : 'GET');
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let body: string | Blob | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.raw) {
    headers['content-type'] = opts.raw.type;
    body = opts.raw.body;
  }
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), { method, headers, body: body ?? null, credentials: 'same-origin', signal: opts.signal ?? null });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Network error', `Baton did not answer (${(err as Error).message}); is it running?`);
  }
  if (res.ok) return res;
  const problem = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (res.status === 401 && !path.startsWith('/api/v1/session')) onUnauthorized?.();
  const { type, title, detail, status: _s, ...extra } = problem;
  throw new ApiError(res.status, String(type ?? 'about:blank'), String(title ?? res.statusText), String(detail ?? title ?? `HTTP ${res.status}`), extra);
}

/** A JSON route; undefined for 204. Throws ApiError. */
export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

/** A route answering text (raw message, CSV export). */
export async function apiText(path: string, opts: RequestOptions = {}): Promise<string> {
  return (await send(path, opts)).text();
}
