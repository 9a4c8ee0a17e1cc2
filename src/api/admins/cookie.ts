/**
 * The session cookie, by hand: the `cookie` npm package needs Node 22, and
 * what we need is small. Parsing follows the Cookie header grammar of RFC 6265
 * §4.2.1 (`name=value` pairs separated by "; "), leniently as §5.4 lets user
 * agents send it (spaces around pairs, a value in double quotes).
 */

/** Cookie names and values of a Cookie header; the first of a repeated name wins (RFC 6265 §5.4 step 2 sends the most specific path first). */
export function parseCookieHeader(header: string | readonly string[] | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  const text = typeof header === 'string' ? header : (header ?? []).join('; ');
  for (const pair of text.split(';')) {
    const eq = pair.indexOf('=');
    // §4.2.1: a cookie-pair always has "="; anything else is not a cookie (ignored, not fatal).
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (name === '' || cookies.has(name)) continue;
    cookies.set(name, value);
  }
  return cookies;
}

export interface SessionCookieOptions {
  readonly secure: boolean;
}

/**
 * The cookie's name: `__Host-` when Secure, so a browser accepts it only if it
 * is Secure, has Path=/ and no Domain (RFC 6265bis §4.1.3.2): no subdomain or
 * plain-HTTP page can plant or shadow it. Without Secure the prefix is not
 * allowed, hence the plain name.
 */
export function sessionCookieName(opts: SessionCookieOptions): string {
  return opts.secure ? '__Host-baton_session' : 'baton_session';
}

/**
 * Set-Cookie for a session id: HttpOnly (page scripts cannot read it),
 * SameSite=Strict (RFC 6265bis §5.4.7: not sent on requests another site
 * starts, not even top-level navigations), Path=/ and no Domain, no Max-Age:
 * the server ends the session (sliding expiry), the browser forgets it when
 * it closes. `value` undefined: delete it (Max-Age=0, RFC 6265 §5.2.2).
 */
export function sessionCookie(opts: SessionCookieOptions, value: string | undefined): string {
  const parts = [`${sessionCookieName(opts)}=${value ?? ''}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
  if (opts.secure) parts.push('Secure');
  if (value === undefined) parts.push('Max-Age=0');
  return parts.join('; ');
}

/** Whether `host` (from "host:port") is a loopback name or address: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\./.test(h);
}

/**
 * `api.dashboard.secureCookie` made a yes or no. auto: Secure unless the
 * listener is plain HTTP on a non-loopback address (the API has no TLS of its
 * own, so there a browser would be on http:// and drop a Secure cookie).
 * Browsers treat http://127.0.0.1 and http://localhost as secure contexts and
 * keep Secure (and __Host-) cookies from them: checked in chromium by
 * test/e2e/dashboard-auth.test.ts.
 */
export function cookieIsSecure(setting: 'auto' | 'always' | 'never', listenerHost: string): boolean {
  if (setting === 'always') return true;
  if (setting === 'never') return false;
  return isLoopbackHost(listenerHost);
}
