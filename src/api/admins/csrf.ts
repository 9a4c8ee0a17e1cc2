import { timingSafeEqual } from 'node:crypto';

/**
 * CSRF defences for cookie-authenticated requests (a bearer key cannot be
 * sent by another site, so key requests skip all this). Two layers:
 * - the synchronizer token (OWASP CSRF cheat sheet): a per-session secret the
 *   page reads from the session routes and echoes in `X-CSRF-Token` on every
 *   state-changing request; another site can neither read it nor set a custom
 *   header on a cross-origin request without a CORS preflight we never grant;
 * - fetch metadata and origin: a browser says where a request comes from
 *   (`Sec-Fetch-Site`, W3C Fetch Metadata; `Origin`, RFC 6454 §7). An unsafe
 *   request that says another origin started it is refused even with a token.
 *   Same-origin, not same-site: http://127.0.0.1:8025 and a page on
 *   http://127.0.0.1:9000 are the same site, so SameSite=Strict sends the
 *   cookie between them; only the origin tells them apart.
 */

/** RFC 9110 §9.2.1: the safe methods, which must change nothing and need no token. */
export function isSafeMethod(method: string): boolean {
  const m = method.toUpperCase();
  return m === 'GET' || m === 'HEAD' || m === 'OPTIONS';
}

/** Constant-time comparison, so timing does not tell how much of a guessed token was right. */
export function tokensMatch(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  // Lengths are not secret (every token has the same length); the contents are compared in constant time.
  return a.length === b.length && timingSafeEqual(a, b);
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/**
 * Why an unsafe cookie-authenticated request is refused, or undefined when it
 * may go on. `expected` is the session's token.
 */
export function csrfRefusal(headers: Headers, expected: string): string | undefined {
  const site = one(headers['sec-fetch-site'])?.toLowerCase();
  // "none": the user started it (typed URL, bookmark); "same-origin": our own page.
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    return `The browser says this request came from another ${site === 'same-site' ? 'origin on the same site' : 'site'} (Sec-Fetch-Site: ${site}); the dashboard only acts on requests from its own pages`;
  }
  // Without fetch metadata (older browsers), the Origin against our Host. Not both: behind a
  // proxy that rewrites Host, a modern browser's same-origin request would fail the second.
  const origin = site === undefined ? one(headers.origin) : undefined;
  if (origin !== undefined) {
    const host = one(headers.host);
    if (origin === 'null' || host === undefined || originHost(origin) !== host.toLowerCase()) {
      return `The request's Origin (${origin}) is not this server (${host ?? 'no Host header'}); the dashboard only acts on requests from its own pages`;
    }
  }
  const token = one(headers['x-csrf-token']);
  if (token === undefined || token === '') {
    return 'A request made with the dashboard session cookie must carry the session\'s CSRF token in X-CSRF-Token (GET /api/v1/session returns it); scripts should use an API key instead';
  }
  if (!tokensMatch(token, expected)) return 'The X-CSRF-Token header is not this session\'s token (it changes at each login; GET /api/v1/session returns the current one)';
  return undefined;
}

/** "http://127.0.0.1:8025" → "127.0.0.1:8025" (the form of a Host header); undefined if not a URL. */
function originHost(origin: string): string | undefined {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return undefined;
  }
}
