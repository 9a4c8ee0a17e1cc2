import { z } from 'zod';
import type { AdminSessions } from '../admins/index.js';
import { MAX_PASSWORD_LENGTH } from '../admins/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';

export interface SessionRouteDeps {
  readonly admins?: AdminSessions;
}

const Session = z.object({
  admin: z.string().describe('The admin logged in'),
  csrfToken: z.string().describe('Send it as X-CSRF-Token on every request but GET and HEAD made with the session cookie'),
  expiresAt: z.string().describe('When the session ends without further requests (each request slides it by api.dashboard.sessionTtl)'),
});

const Login = z.object({
  name: z.string().min(1).max(100),
  password: z.string().min(1).max(MAX_PASSWORD_LENGTH),
});

/**
 * The dashboard's login (docs/api.md#dashboard-sessions): an admin's name and
 * password for a session cookie. Public routes, because they are how one gets
 * credentials; each checks the cookie itself. A script should use an API key.
 */
export function sessionRoutes(deps: SessionRouteDeps): ApiRoute[] {
  const admins = (): AdminSessions => {
    if (!deps.admins) throw new ApiProblem('not-found', 'Dashboard logins are off on this node (api.dashboard.enabled is false); use an API key');
    return deps.admins;
  };
  return [
    defineRoute({
      method: 'POST', path: '/api/v1/session', operationId: 'login', tags: ['Sessions'], scope: 'public', body: Login,
      summary: 'Log in as a dashboard admin: sets the HttpOnly session cookie and returns the CSRF token',
      description: 'Admins are made with "baton admin create NAME". Failed logins lock the account after api.dashboard.lockout.max tries within its window (429 account-locked with Retry-After).',
      responses: {
        200: { description: 'Logged in; Set-Cookie carries the session', schema: Session },
        401: { description: 'Wrong name or password (login-failed)' },
        429: { description: 'The account is locked (account-locked), or too many failures from this address (rate-limited)' },
      },
      handler: async (req) => {
        const ua = req.headers['user-agent'];
        const { info, setCookie } = await admins().login({ name: req.body.name, password: req.body.password, ip: req.ip, userAgent: typeof ua === 'string' ? ua : '', headers: req.headers });
        return { status: 200, body: info, headers: { 'set-cookie': setCookie } };
      },
    }),
    defineRoute({
      method: 'GET', path: '/api/v1/session', operationId: 'getSession', tags: ['Sessions'], scope: 'public',
      summary: 'The session the cookie names, with its CSRF token (slides its expiry)',
      responses: { 200: { description: 'Logged in', schema: Session }, 401: { description: 'No session cookie, or the session has ended' } },
      handler: async (req) => ({ status: 200, body: await admins().current(req.headers) }),
    }),
    defineRoute({
      method: 'DELETE', path: '/api/v1/session', operationId: 'logout', tags: ['Sessions'], scope: 'public',
      summary: 'Log out: the session ends at once and the cookie is cleared (needs X-CSRF-Token)',
      responses: { 204: { description: 'Logged out (also when there was no live session)' }, 403: { description: 'The CSRF check failed (csrf)' } },
      handler: async (req) => {
        const { setCookie } = await admins().logout(req.headers, req.ip);
        return { status: 204, headers: { 'set-cookie': setCookie } };
      },
    }),
  ];
}
