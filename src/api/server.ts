import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from '../log/index.js';
import { ApiAuth, type AuthOptions } from './auth.js';
import { registerDashboard } from './dashboard-assets.js';
import { ApiProblem } from './problem.js';
import { sendProblem, toProblem } from './problem-reply.js';
import type { ApiCaller, ApiResult, ApiRoute } from './route.js';
import { validateParts } from './validate.js';

export interface ApiServerOptions extends AuthOptions {
  readonly routes: readonly ApiRoute[];
  /** Default body limit in bytes (`api.bodyLimit`); a route may set its own. */
  readonly bodyLimit: number;
  readonly logger: Logger;
  /** The built dashboard (dist/web) to serve beside the API; absent: API only. */
  readonly dashboardRoot?: string;
}

/** "/api/v1/messages/{id}" → "/api/v1/messages/:id" (fastify's form). */
export function fastifyPath(path: string): string {
  return path.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** A regular expression matching concrete URLs of an OpenAPI path (for 405). */
function pathPattern(path: string): RegExp {
  const parts = path.split(/\{[A-Za-z0-9_]+\}/).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[^/]+')}$`);
}

/** "application/json; charset=utf-8" → "application/json". */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

const isJsonType = (type: string) => type === 'application/json' || type.endsWith('+json');

/**
 * The HTTP API server: fastify, knowing nothing of any feature. Each
 * `ApiRoute` becomes a fastify route that authenticates (before the body is
 * read), validates with the route's zod schemas, calls the handler and sends
 * its result. Every error, ours or fastify's, is `application/problem+json`.
 */
export function buildApiServer(opts: ApiServerOptions): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: opts.bodyLimit, routerOptions: { maxParamLength: 500 }, return503OnClosing: true, trustProxy: false });
  const auth = new ApiAuth(opts);
  const callers = new WeakMap<FastifyRequest, ApiCaller>();

  // Bodies are read as bytes; the route decides what they are (JSON or its raw types), so a
  // wrong type is a 415 that names the types this route takes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  for (const route of opts.routes) {
    const bodyLimit = route.bodyLimit ?? opts.bodyLimit;
    app.route({
      method: route.method,
      url: fastifyPath(route.path),
      bodyLimit,
      onRequest: async (req) => {
        const caller = await auth.check(route, req.headers, req.method, req.ip);
        if (caller) callers.set(req, caller);
      },
      handler: async (req, reply) => {
        const body = requestBody(route, req);
        const valid = validateParts([
          { where: 'params', schema: route.params, value: req.params },
          { where: 'query', schema: route.query, value: req.query },
          { where: 'body', schema: route.body === 'raw' ? undefined : route.body, value: body },
        ]);
        const abort = new AbortController();
        reply.raw.once('close', () => {
          if (!reply.raw.writableFinished) abort.abort();
        });
        const result = await route.handler({
          params: valid.params,
          query: valid.query,
          body: valid.body,
          headers: req.headers,
          caller: callers.get(req),
          ip: req.ip,
          signal: abort.signal,
        });
        return sendResult(reply, result);
      },
    });
  }

  const dashboard = opts.dashboardRoot !== undefined ? registerDashboard(app, opts.dashboardRoot) : undefined;
  if (opts.dashboardRoot !== undefined && !dashboard) {
    opts.logger.warn({ dashboardRoot: opts.dashboardRoot }, 'the dashboard is not built (no index.html there): serving the API only; run "npm run build" to build it');
  }
  const patterns = opts.routes.map((r) => ({ method: r.method, pattern: pathPattern(r.path) }));
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    const allowed = [...new Set(patterns.filter((p) => p.pattern.test(path)).map((p) => p.method))];
    if (allowed.length > 0) {
      // RFC 9110 §15.5.6: a 405 lists the methods the resource has.
      const allow = allowed.includes('GET') ? [...allowed, 'HEAD'] : allowed;
      return sendProblem(reply, new ApiProblem('method-not-allowed', `${req.method} is not allowed on ${path}; use ${allowed.join(', ')}`, {}, { allow: allow.join(', ') }));
    }
    if (dashboard?.serveShell(req, reply)) return reply;
    return sendProblem(reply, new ApiProblem('not-found', `No route ${req.method} ${path} (see /api/v1/openapi.json)`));
  });

  app.setErrorHandler((err, req, reply) => {
    const problem = toProblem(err, req.routeOptions.bodyLimit ?? opts.bodyLimit);
    if (problem.status >= 500) opts.logger.error({ err, method: req.method, url: req.url }, 'api request failed');
    return sendProblem(reply, problem);
  });
  return app;
}

/** The body a handler gets: raw bytes of an accepted type, or parsed JSON; throws 415/400 otherwise. */
function requestBody(route: ApiRoute, req: FastifyRequest): unknown {
  const bytes = req.body as Buffer | undefined;
  const type = mediaType(req.headers['content-type']);
  if (route.body === 'raw') {
    const types = route.rawTypes ?? [];
    if (!types.includes(type)) {
      throw new ApiProblem('unsupported-media-type', `This route takes ${types.join(' or ')}, not ${type || 'a body without Content-Type'}`, { accepted: types });
    }
    return bytes ?? Buffer.alloc(0);
  }
  if (route.body === undefined || bytes === undefined || bytes.length === 0) return undefined;
  if (!isJsonType(type)) throw new ApiProblem('unsupported-media-type', `This route takes application/json, not ${type || 'a body without Content-Type'}`, { accepted: ['application/json'] });
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (err) {
    throw new ApiProblem('bad-request', `The body is not valid JSON: ${(err as Error).message}`);
  }
}

function sendResult(reply: FastifyReply, result: ApiResult): FastifyReply {
  void reply.code(result.status).header('cache-control', 'no-store');
  for (const [name, value] of Object.entries(result.headers ?? {})) void reply.header(name, value);
  if (result.body === undefined) return reply.send();
  if (result.contentType !== undefined && (typeof result.body === 'string' || Buffer.isBuffer(result.body))) return reply.type(result.contentType).send(result.body);
  return reply.type(result.contentType ?? 'application/json; charset=utf-8').send(JSON.stringify(result.body));
}
