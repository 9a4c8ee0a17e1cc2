import type { Clock } from '../core/index.js';
import { ApiProblem } from './problem.js';
import { AuthFailureLimiter, KeyRateLimiter } from './rate-limits.js';
import type { ApiCaller, ApiRoute, Scope } from './route.js';

export interface AuthOptions {
  /** The caller a bearer token names, or undefined (unknown, wrong secret, revoked). */
  readonly authenticate: (token: string) => Promise<ApiCaller | undefined>;
  readonly rateLimit: { readonly perSecond: number; readonly burst: number };
  readonly authFailures: { readonly max: number; readonly window: number };
  readonly clock: Clock;
  /** Dashboard logins (api/sessions): a request without a bearer token may carry a session cookie. */
  readonly sessions?: SessionAuthenticator;
  /** The per-IP failed-authentication limiter, when shared with the dashboard's logins (api/admins); else one of its own from `authFailures`. */
  readonly failureLimiter?: AuthFailureLimiter;
}

/**
 * The dashboard's way in: an admin's session cookie instead of a bearer key,
 * so the dashboard uses exactly the routes a script does (no private routes).
 */
export interface SessionAuthenticator {
  /**
   * The caller a request's session cookie names, or undefined when it carries
   * no session cookie at all. Throws an ApiProblem for an unknown or expired
   * session, or, on a state-changing method, a missing or wrong CSRF token.
   */
  caller(headers: Readonly<Record<string, string | string[] | undefined>>, method: string, ip: string): Promise<ApiCaller | undefined>;
}

const REALM = 'realm="baton"';

/** Whether a key with `scopes` may call a route needing `needed`: admin implies read, nothing implies send. */
export function scopeAllows(scopes: readonly Scope[], needed: Scope): boolean {
  return scopes.includes(needed) || (needed === 'read' && scopes.includes('admin'));
}

/**
 * Who is calling and whether they may: the bearer token (RFC 6750 §2.1), the
 * route's scope, the per-key rate and the per-IP failure limit. Runs before
 * the body is read, so an unauthenticated client cannot make us read 35 MB.
 */
export class ApiAuth {
  private readonly keyLimiter: KeyRateLimiter;
  private readonly failureLimiter: AuthFailureLimiter;

  constructor(private readonly opts: AuthOptions) {
    this.keyLimiter = new KeyRateLimiter(opts.rateLimit.perSecond, opts.rateLimit.burst, opts.clock);
    this.failureLimiter = opts.failureLimiter ?? new AuthFailureLimiter(opts.authFailures.max, opts.authFailures.window, opts.clock);
  }

  /** The caller, or undefined on a public route; throws the ApiProblem to answer otherwise. */
  async check(
    route: Pick<ApiRoute, 'scope'>,
    headers: Readonly<Record<string, string | string[] | undefined>>,
    method: string,
    ip: string,
  ): Promise<ApiCaller | undefined> {
    if (route.scope === 'public') return undefined;
    const blocked = this.failureLimiter.blockedFor(ip);
    if (blocked > 0) {
      throw new ApiProblem('rate-limited', `Too many failed authentications from ${ip}; retry in ${blocked} s with a valid key`, { retryAfter: blocked }, { 'retry-after': String(blocked) });
    }
    const authorization = typeof headers.authorization === 'string' ? headers.authorization : undefined;
    const token = /^Bearer +([^\s]+) *$/i.exec(authorization ?? '')?.[1];
    const caller = token !== undefined ? await this.opts.authenticate(token) : await this.opts.sessions?.caller(headers, method, ip);
    if (token === undefined && caller === undefined) {
      // RFC 6750 §3.1: a request with no credentials gets no error code.
      throw new ApiProblem('unauthorized', 'Send an API key as "Authorization: Bearer baton_..." (create one with "baton apikey create NAME")', {}, { 'www-authenticate': `Bearer ${REALM}` });
    }
    if (!caller) {
      this.failureLimiter.fail(ip);
      throw new ApiProblem('unauthorized', 'The API key is not valid: unknown, revoked or mistyped', {}, { 'www-authenticate': `Bearer ${REALM}, error="invalid_token"` });
    }
    if (!scopeAllows(caller.scopes, route.scope)) {
      throw new ApiProblem('forbidden', `This needs an API key with the "${route.scope}" scope; key ${caller.name} has ${caller.scopes.join(', ')}`, { requiredScope: route.scope }, {
        'www-authenticate': `Bearer ${REALM}, error="insufficient_scope", scope="${route.scope}"`,
      });
    }
    const wait = this.keyLimiter.take(caller.keyId);
    if (wait > 0) {
      throw new ApiProblem('rate-limited', `Key ${caller.name} is over its rate of ${this.opts.rateLimit.perSecond} requests/s (burst ${this.opts.rateLimit.burst}); retry in ${wait} s`, { retryAfter: wait }, { 'retry-after': String(wait) });
    }
    return caller;
  }
}
