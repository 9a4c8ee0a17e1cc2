import { z } from 'zod';
import { PROBLEM_BASE } from './problem.js';
import type { ApiRoute } from './route.js';

/**
 * The OpenAPI 3.1 document, generated from the routes: the same zod schemas
 * that validate requests describe them (zod's JSON Schema output, draft
 * 2020-12, is the dialect OpenAPI 3.1 uses), so the document cannot drift
 * from the code. Checked against every route by openapi.test.ts.
 */

type Json = Record<string, unknown>;

/** Problem responses every authenticated route may give, besides its own. */
const AUTH_PROBLEMS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'RateLimited' };
/** And those of a route that reads a body. */
const BODY_PROBLEMS: Record<number, string> = { 400: 'BadRequest', 413: 'TooLarge', 415: 'UnsupportedMediaType' };

const PROBLEM_RESPONSES: Record<string, string> = {
  BadRequest: 'The request is malformed (e.g. the body is not JSON)',
  Unauthorized: 'No API key, or not a valid one (WWW-Authenticate: Bearer)',
  Forbidden: "The API key lacks this route's scope",
  TooLarge: 'The body is over the limit',
  UnsupportedMediaType: 'The body has a content type this route does not take',
  Validation: 'The request is not valid: `errors` lists each problem as {path, message}',
  RateLimited: 'Too many requests for this key, or too many failed authentications from this address (see Retry-After)',
};

/** Headers the shared problem responses carry (RFC 6750 §3, RFC 9110 §10.2.3). */
const PROBLEM_HEADERS: Record<string, Json> = {
  Unauthorized: { 'WWW-Authenticate': { description: 'Bearer realm="baton", with error="invalid_token" for a bad key', schema: { type: 'string' } } },
  RateLimited: { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer', minimum: 1 } } },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Json;
  delete out.$schema;
  return out;
}

/** Path or query parameters from an object schema's properties. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): Json[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input');
  const props = (s.properties ?? {}) as Record<string, Json>;
  const required = new Set((s.required ?? []) as string[]);
  return Object.entries(props).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return { name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(typeof description === 'string' ? { description } : {}) };
  });
}

function requestBody(route: ApiRoute): Json | undefined {
  if (route.body === undefined) return undefined;
  if (route.body === 'raw') {
    return { required: true, content: Object.fromEntries((route.rawTypes ?? []).map((t) => [t, { schema: { type: 'string', format: 'binary' } }])) };
  }
  return { required: !route.body.safeParse(undefined).success, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } };
}

function responses(route: ApiRoute): Json {
  const out: Json = {};
  const shared: Record<number, string> = {
    ...(route.scope !== 'public' ? AUTH_PROBLEMS : {}),
    ...(route.body !== undefined ? BODY_PROBLEMS : {}),
    ...(route.params || route.query || (route.body !== undefined && route.body !== 'raw') ? { 422: 'Validation' } : {}),
  };
  for (const [status, name] of Object.entries(shared)) out[status] = { $ref: `#/components/responses/${name}` };
  for (const [status, spec] of Object.entries(route.responses)) {
    const type = spec.contentType ?? (spec.schema ? 'application/json' : undefined);
    out[status] = {
      description: spec.description,
      ...(type !== undefined ? { content: { [type]: spec.schema ? { schema: jsonSchema(spec.schema, 'output') } : {} } } : {}),
    };
  }
  return out;
}

export interface OpenApiInfo {
  readonly title?: string;
  readonly version?: string;
}

export function buildOpenApi(routes: readonly ApiRoute[], info: OpenApiInfo = {}): Json {
  const paths: Record<string, Json> = {};
  for (const route of routes) {
    const body = requestBody(route);
    const params = [...parameters(route.params, 'path'), ...parameters(route.query, 'query')];
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description !== undefined ? { description: route.description } : {}),
      tags: [...route.tags],
      security: route.scope === 'public' ? [] : [{ bearer: [] }],
      'x-baton-scope': route.scope,
      ...(params.length > 0 ? { parameters: params } : {}),
      ...(body ? { requestBody: body } : {}),
      responses: responses(route),
    };
  }
  const problemContent = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDetails' } } };
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'Baton HTTP API',
      version: info.version ?? '1',
      description: 'Send mail, read and act on the queue, suppressions, domains and webhooks. Errors are RFC 9457 problem details.',
    },
    tags: [...new Set(routes.flatMap((r) => r.tags))].map((name) => ({ name })),
    security: [{ bearer: [] }],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'baton_<id>_<secret>', description: 'An API key from "baton apikey create NAME"' } },
      schemas: {
        ProblemDetails: {
          type: 'object',
          description: `RFC 9457 problem details; \`type\` is ${PROBLEM_BASE}<kind> (docs/api.md#errors)`,
          required: ['type', 'title', 'status'],
          properties: {
            type: { type: 'string', format: 'uri' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
      },
      responses: Object.fromEntries(Object.entries(PROBLEM_RESPONSES).map(([name, description]) => [name, { description, content: problemContent, ...(PROBLEM_HEADERS[name] ? { headers: PROBLEM_HEADERS[name] } : {}) }])),
    },
  };
}
