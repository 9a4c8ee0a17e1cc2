import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import { hashPassword, verifyHash } from '../../users/password.js';
import type { SessionAuthenticator } from '../auth.js';
import { ApiProblem } from '../problem.js';
import type { AuthFailureLimiter } from '../rate-limits.js';
import { SCOPES, type ApiCaller } from '../route.js';
import type { AdminSession, AdminStore } from './admin-store.js';
import { parseCookieHeader, sessionCookie, sessionCookieName } from './cookie.js';
import { csrfRefusal, isSafeMethod } from './csrf.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface AdminSessionsOptions {
  readonly store: AdminStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** `api.dashboard.sessionTtl`: a session ends after this long without a request. */
  readonly ttlMs: number;
  /** `api.dashboard.lockout`: this many failed logins within `windowMs` lock the account for `windowMs`. */
  readonly lockout: { readonly max: number; readonly windowMs: number };
  /** The cookie's Secure attribute (cookie.ts `cookieIsSecure`). */
  readonly secureCookie: boolean;
  /** The API's per-IP failed-authentication limiter, shared: guessing keys and passwords draws on one budget. */
  readonly ipFailures: AuthFailureLimiter;
  /** The sliding expiry is written at most this often per session (a polling page must not write per request). */
  readonly touchEveryMs?: number;
}

/** What the session routes answer (and web/src/session.tsx reads). */
export interface SessionInfo {
  readonly admin: string;
  readonly csrfToken: string;
  readonly expiresAt: string;
}

export interface LoginRequest {
  readonly name: string;
  readonly password: string;
  readonly ip: string;
  readonly userAgent: string;
  /** The request's headers: a session cookie it still carries is ended (a login never keeps an old id). */
  readonly headers: Headers;
}

/** 256 bits from the CSPRNG, base64url: 43 characters. */
const ID_RE = /^[A-Za-z0-9_-]{43}$/;
const newSecret = () => randomBytes(32).toString('base64url');
const sha256 = (id: string) => createHash('sha256').update(id, 'utf8').digest();
/** Failed logins of names that are no admin are kept in memory, at most this many names. */
const UNKNOWN_NAMES_KEPT = 10_000;
const PURGE_EVERY_MS = 10 * 60_000;

/**
 * Dashboard logins: admin accounts → sessions in HttpOnly cookies, the caller
 * a session cookie names (with the CSRF check on state-changing requests), and
 * the lockout. Implements the API's SessionAuthenticator seam, so a logged-in
 * admin uses exactly the routes a script does, with every scope.
 */
export class AdminSessions implements SessionAuthenticator {
  private readonly touchEveryMs: number;
  /** Unknown names locked like accounts, so a 429 does not tell which names exist. */
  private readonly unknownNames = new Map<string, { failures: number[]; lockedUntil?: number }>();
  private readonly dummyHash = hashPassword('\u0000 no such admin');
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: AdminSessionsOptions) {
    this.touchEveryMs = opts.touchEveryMs ?? 60_000;
  }

  get cookieName(): string {
    return sessionCookieName({ secure: this.opts.secureCookie });
  }

  /**
   * Expired sessions (and failures older than the lockout window) are purged
   * at start and every 10 minutes. A lookup never trusts a row past its
   * expiry, so the purge only bounds the table.
   */
  start(): void {
    const purge = () => {
      const now = this.opts.clock.now();
      void this.opts.store
        .purge(now, now - this.opts.lockout.windowMs)
        .then((n) => n > 0 && this.opts.logger.info({ sessions: n }, 'expired dashboard sessions purged'))
        .catch((err: unknown) => this.opts.logger.error({ err }, 'purging expired dashboard sessions failed'));
    };
    purge();
    this.purgeTimer = setInterval(purge, PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  stop(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
  }

  /** POST /api/v1/session. Throws 429 (IP or account locked) or 401 (wrong name or password). */
  async login(req: LoginRequest): Promise<{ info: SessionInfo; setCookie: string }> {
    const { store, clock, logger, lockout } = this.opts;
    const blocked = this.opts.ipFailures.blockedFor(req.ip);
    if (blocked > 0) {
      throw new ApiProblem('rate-limited', `Too many failed authentications from ${req.ip}; retry in ${blocked} s`, { retryAfter: blocked }, { 'retry-after': String(blocked) });
    }
    const now = clock.now();
    const admin = await store.get(req.name);
    const lockedUntil = admin ? admin.lockedUntil : this.unknownNames.get(req.name)?.lockedUntil;
    if (lockedUntil !== undefined && lockedUntil > now) {
      logger.warn({ admin: req.name, ip: req.ip }, 'dashboard login refused: the account is locked');
      throw this.lockedProblem(req.name, lockedUntil, now);
    }
    // Constant work whether or not the name exists: an unknown name costs a scrypt too.
    const ok = admin ? await verifyHash(req.password, admin.passwordHash) : (await verifyHash(req.password, await this.dummyHash), false);
    if (!admin || !ok) {
      this.opts.ipFailures.fail(req.ip);
      const locked = admin ? await store.failed(admin.name, now, lockout.max, lockout.windowMs) : this.failUnknown(req.name, now);
      logger.warn({ admin: req.name, ip: req.ip, ...(locked !== undefined ? { lockedUntil: new Date(locked).toISOString() } : {}) }, 'dashboard login failed: wrong name or password');
      if (locked !== undefined) throw this.lockedProblem(req.name, locked, now, true);
      throw new ApiProblem('login-failed', 'Check both and try again (they are case-sensitive); an operator can set a new password with "baton admin passwd NAME"', {}, { 'www-authenticate': 'Bearer realm="baton"' });
    }
    await store.loggedIn(admin.name, now);
    // A login always makes a new id (no session fixation); the one the browser still had ends.
    const old = this.cookieId(req.headers);
    if (old !== undefined) await store.deleteSession(sha256(old));
    const id = newSecret();
    const session: AdminSession = {
      idHash: sha256(id),
      admin: admin.name,
      csrfToken: newSecret(),
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.opts.ttlMs,
      ip: req.ip,
      userAgent: req.userAgent.slice(0, 300),
    };
    await store.createSession(session);
    logger.info({ admin: admin.name, ip: req.ip, session: sessionLabel(session) }, 'dashboard login');
    return { info: toInfo(session), setCookie: sessionCookie({ secure: this.opts.secureCookie }, id) };
  }

  /** GET /api/v1/session: the session the cookie names (its expiry slid), or 401. */
  async current(headers: Headers): Promise<SessionInfo> {
    const id = this.cookieId(headers);
    const session = id === undefined ? undefined : await this.live(id);
    if (!session) throw this.noSession(id !== undefined);
    return toInfo(await this.slide(session));
  }

  /**
   * DELETE /api/v1/session: ends the session (CSRF-checked like any unsafe
   * request). Without a live session there is nothing to end: the cookie is
   * cleared all the same.
   */
  async logout(headers: Headers, ip: string): Promise<{ setCookie: string }> {
    const id = this.cookieId(headers);
    const session = id === undefined ? undefined : await this.live(id);
    if (session) {
      this.checkCsrf(session, headers, 'DELETE', ip);
      await this.opts.store.deleteSession(session.idHash);
      this.opts.logger.info({ admin: session.admin, ip, session: sessionLabel(session) }, 'dashboard logout');
    }
    return { setCookie: sessionCookie({ secure: this.opts.secureCookie }, undefined) };
  }

  /** SessionAuthenticator: the admin caller a session cookie names; see auth.ts. */
  async caller(headers: Headers, method: string, ip: string): Promise<ApiCaller | undefined> {
    const id = this.cookieId(headers);
    if (id === undefined) return undefined;
    const session = await this.live(id);
    if (!session) throw this.noSession(true);
    if (!isSafeMethod(method)) this.checkCsrf(session, headers, method, ip);
    await this.slide(session);
    return {
      keyId: sessionLabel(session),
      name: `admin:${session.admin}`,
      scopes: [...SCOPES],
      domains: [],
    };
  }

  /** The session id of the request's cookie; undefined without one (a malformed value counts as none). */
  private cookieId(headers: Headers): string | undefined {
    const value = parseCookieHeader(headers.cookie).get(this.cookieName);
    return value !== undefined && ID_RE.test(value) ? value : undefined;
  }

  private async live(id: string): Promise<AdminSession | undefined> {
    const session = await this.opts.store.session(sha256(id));
    return session && session.expiresAt > this.opts.clock.now() ? session : undefined;
  }

  /** Push the expiry to now + ttl, written at most once per `touchEveryMs`. */
  private async slide(session: AdminSession): Promise<AdminSession> {
    const now = this.opts.clock.now();
    if (now - session.lastSeenAt < this.touchEveryMs) return session;
    const next = { ...session, lastSeenAt: now, expiresAt: now + this.opts.ttlMs };
    await this.opts.store.touchSession(session.idHash, next.lastSeenAt, next.expiresAt);
    return next;
  }

  private checkCsrf(session: AdminSession, headers: Headers, method: string, ip: string): void {
    const why = csrfRefusal(headers, session.csrfToken);
    if (why === undefined) return;
    this.opts.logger.warn({ admin: session.admin, ip, method, origin: headers.origin, fetchSite: headers['sec-fetch-site'] }, 'dashboard request refused: CSRF check failed');
    throw new ApiProblem('csrf', why);
  }

  private noSession(hadCookie: boolean): ApiProblem {
    const detail = hadCookie
      ? 'The dashboard session has ended (it expired, was logged out, or its admin\'s password changed); log in again'
      : 'Not logged in: log in with POST /api/v1/session, or send an API key as "Authorization: Bearer baton_..."';
    return new ApiProblem('unauthorized', detail, {}, { 'www-authenticate': 'Bearer realm="baton"' });
  }

  private lockedProblem(name: string, until: number, now: number, justNow = false): ApiProblem {
    const wait = Math.max(1, Math.ceil((until - now) / 1000));
    const why = justNow ? `Wrong name or password, and that was failure ${this.opts.lockout.max}: the account` : 'The account';
    return new ApiProblem(
      'account-locked',
      `${why} ${name} is locked after ${this.opts.lockout.max} failed logins until ${new Date(until).toISOString()} (in ${humanWait(wait)}); an operator can lift it with "baton admin unlock ${name}"`,
      { retryAfter: wait, lockedUntil: new Date(until).toISOString() },
      { 'retry-after': String(wait) },
    );
  }

  /** The lockout for names that are no admin, in memory and bounded; returns the lock's end when this failure set it. */
  private failUnknown(name: string, now: number): number | undefined {
    const { max, windowMs } = this.opts.lockout;
    const entry = this.unknownNames.get(name) ?? { failures: [] };
    entry.failures = [...entry.failures.filter((t) => t > now - windowMs), now];
    this.unknownNames.delete(name);
    if (this.unknownNames.size >= UNKNOWN_NAMES_KEPT) this.unknownNames.delete(this.unknownNames.keys().next().value as string);
    this.unknownNames.set(name, entry);
    if (entry.failures.length < max) return undefined;
    entry.failures = [];
    entry.lockedUntil = now + windowMs;
    return entry.lockedUntil;
  }
}

/** "session:1a2b3c4d": the first hex digits of the id's hash; names a session in logs and as the rate-limit key, revealing nothing of the id. */
function sessionLabel(s: Pick<AdminSession, 'idHash'>): string {
  return `session:${s.idHash.toString('hex').slice(0, 8)}`;
}

function toInfo(s: AdminSession): SessionInfo {
  return { admin: s.admin, csrfToken: s.csrfToken, expiresAt: new Date(s.expiresAt).toISOString() };
}

function humanWait(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.ceil(seconds / 60)} min`;
  return `${Math.ceil(seconds / 3600)} h`;
}
