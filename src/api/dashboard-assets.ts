import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Serving the built dashboard (web/, built by `npm run build` into dist/web)
 * from the API listener, same origin as the API it calls: no CORS, and the
 * session cookie can be SameSite=Strict.
 *
 * - /assets/* are content-hashed by Vite: cached for a year, immutable.
 * - index.html answers "/" and every other GET a browser makes for a page
 *   (Accept: text/html; client-side routes such as /messages/ID), but never
 *   /api/...: an API client always gets problem+json, not HTML.
 */

/** dist/web beside this compiled file (dist/src/api/dashboard-assets.js). */
export function defaultDashboardRoot(): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');
}

/**
 * Headers for the HTML shell. The bundle has no inline script, so scripts are
 * 'self' only; styles allow inline attributes (the chart library sets them).
 * connect-src 'self': the page can only talk to this API. No external network.
 */
const HTML_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export interface Dashboard {
  /** Answers a GET that matched no route with the HTML shell; false: not a page request. */
  serveShell(req: FastifyRequest, reply: FastifyReply): boolean;
}

/** Register the static assets; undefined when the dashboard was not built (then only the API is served). */
export function registerDashboard(app: FastifyInstance, root: string): Dashboard | undefined {
  const indexFile = join(root, 'index.html');
  if (!existsSync(indexFile)) return undefined;
  // Read once: the shell is small and changes only with a new build (a restart).
  const shell = readFileSync(indexFile);
  void app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    index: false,
    // Only the hashed bundle lives here; a miss falls through to the problem+json 404.
    wildcard: true,
    immutable: true,
    maxAge: '365d',
    setHeaders: (res) => res.setHeader('x-content-type-options', 'nosniff'),
  });
  return {
    serveShell(req, reply) {
      const path = req.url.split('?')[0] ?? '';
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      if (path.startsWith('/api/') || path === '/api' || path.startsWith('/assets/')) return false;
      // A browser navigating asks for text/html; curl and scripts keep their problem+json 404.
      const accept = String(req.headers.accept ?? '');
      if (path !== '/' && !accept.includes('text/html')) return false;
      void reply.code(200).headers(HTML_HEADERS).type('text/html; charset=utf-8').send(shell);
      return true;
    },
  };
}
