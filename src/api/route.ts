import type { z } from 'zod';

/**
 * The API's route contract (DESIGN §9 style seam for HTTP): every route is a
 * plain object with zod schemas for what it reads and answers. The server
 * (`server.ts`) validates requests with the same schemas and generates the
 * OpenAPI 3.1 document from them, so the document cannot drift from the code.
 * A feature adds routes by exporting a function that returns `ApiRoute[]`
 * and listing it in `routes/index.ts`; it never touches fastify.
 */

/** What an API key may do: send mail, read state, or act on it (admin implies read). */
export const SCOPES = ['send', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The authenticated caller: the API key a request carried. */
export interface ApiCaller {
  /** The key's id (public, shown in listings; never the secret). */
  readonly keyId: string;
  /** The key's name: the identity its mail is counted under for quotas ("api:NAME"). */
  readonly name: string;
  readonly scopes: readonly Scope[];
  /** Domains this key may send as; empty: any domain Baton signs or relays for (like an SMTP user with no restriction). */
  readonly domains: readonly string[];
}

/** A validated request as a handler sees it. */
export interface ApiRequest<P = unknown, Q = unknown, B = unknown> {
  readonly params: P;
  readonly query: Q;
  /** The body after validation (JSON routes), or the raw bytes (`body: 'raw'` routes). */
  readonly body: B;
  /** Lower-case header names, as node gives them. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Absent only on `scope: 'public'` routes. */
  readonly caller: ApiCaller | undefined;
  /** The client's address (for logs and `Received`). */
  readonly ip: string;
  /** Aborted when the client goes away (long reads, bulk actions). */
  readonly signal: AbortSignal;
}

/** What a handler answers; an error is an `ApiProblem` thrown instead. */
export interface ApiResult {
  readonly status: number;
  /** JSON-serialized unless `contentType` says otherwise and it is a string or Buffer. */
  readonly body?: unknown;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/** One documented response of a route (OpenAPI `responses`). */
export interface ApiResponseSpec {
  readonly description: string;
  /** JSON body schema; absent: no body, or not JSON (described in `contentType`). */
  readonly schema?: z.ZodType;
  readonly contentType?: string;
}

export interface ApiRoute<P = any, Q = any, B = any> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI form: "/api/v1/messages/{id}". */
  readonly path: string;
  /** Unique, camelCase: the OpenAPI operationId. */
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  /** OpenAPI tags, for grouping in the document and docs/api.md. */
  readonly tags: readonly string[];
  /** The scope a key needs; 'public': no key (health, OpenAPI document). */
  readonly scope: Scope | 'public';
  readonly params?: z.ZodType<P>;
  readonly query?: z.ZodType<Q>;
  /**
   * A zod schema for a JSON body, or 'raw' for bytes (then `rawTypes` lists the
   * content types taken, e.g. "message/rfc822", "text/csv").
   */
  readonly body?: z.ZodType<B> | 'raw';
  readonly rawTypes?: readonly string[];
  /** Per-route body limit in bytes (default: `api.bodyLimit`). */
  readonly bodyLimit?: number;
  readonly responses: Readonly<Record<number, ApiResponseSpec>>;
  handler(req: ApiRequest<P, Q, B>): Promise<ApiResult> | ApiResult;
}

/** Typed route definition (infers P, Q, B from the schemas). */
export function defineRoute<P, Q, B>(route: ApiRoute<P, Q, B>): ApiRoute<P, Q, B> {
  return route;
}
