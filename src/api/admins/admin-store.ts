/**
 * The dashboard's admin store (DESIGN §9 Store): admin accounts, their failed
 * logins (for the lockout) and their login sessions. Admins are a third kind
 * of principal beside SMTP users (users/) and API keys (api/keys/): an admin
 * logs in to the dashboard with a password and then acts with every scope.
 * Every backend passes `admin-store.contract.ts`. Hashing and the session
 * rules live in `admin-sessions.ts`; this only keeps rows.
 */

export interface AdminInfo {
  readonly name: string;
  readonly createdAt: number;
  readonly passwordChangedAt: number;
  readonly lastLoginAt?: number;
  /** Present while the account is locked after too many failed logins. */
  readonly lockedUntil?: number;
}

/** An account with its password hash: what a login reads. */
export interface StoredAdmin extends AdminInfo {
  readonly passwordHash: string;
}

export interface AdminSession {
  /** SHA-256 of the session id; the id itself is only in the admin's cookie. */
  readonly idHash: Buffer;
  readonly admin: string;
  readonly csrfToken: string;
  readonly createdAt: number;
  readonly lastSeenAt: number;
  readonly expiresAt: number;
  /** Where the login came from, for the admin's own view of their sessions. */
  readonly ip: string;
  readonly userAgent: string;
}

export interface AdminStore {
  /** Fails with AdminStoreError 'exists' when the name is taken. */
  create(name: string, passwordHash: string, at: number): Promise<void>;
  list(): Promise<AdminInfo[]>;
  get(name: string): Promise<StoredAdmin | undefined>;
  /** Replace the password and end every session of the admin (one transaction); false: no such admin. */
  setPassword(name: string, passwordHash: string, at: number): Promise<boolean>;
  /** Remove the admin with its sessions and failures; false: no such admin. */
  remove(name: string): Promise<boolean>;
  /** A successful login: clears failures and any lock, records the time. */
  loggedIn(name: string, at: number): Promise<void>;
  /**
   * Record a failed login at `at` and, when `max` failures (this one included)
   * fall within `windowMs`, lock the account until `at + windowMs` and clear
   * the failures. Returns the lock's end when this failure locked it.
   */
  failed(name: string, at: number, max: number, windowMs: number): Promise<number | undefined>;
  /** Clear the lock and the failures; false: no such admin. */
  unlock(name: string): Promise<boolean>;

  createSession(session: AdminSession): Promise<void>;
  session(idHash: Buffer): Promise<AdminSession | undefined>;
  /** Slide a session's expiry (it stays where it is if the session is gone). */
  touchSession(idHash: Buffer, lastSeenAt: number, expiresAt: number): Promise<void>;
  deleteSession(idHash: Buffer): Promise<boolean>;
  /** Every live and expired-but-not-purged session, newest first; of one admin when named. */
  sessions(admin?: string): Promise<AdminSession[]>;
  /** End every session of an admin; returns how many. */
  deleteSessionsOf(admin: string): Promise<number>;
  /** Delete sessions expired at `now` and failures older than `failuresBefore`; returns the sessions deleted. */
  purge(now: number, failuresBefore: number): Promise<number>;
  close(): Promise<void>;
}

export class AdminStoreError extends Error {
  override readonly name = 'AdminStoreError';
  constructor(
    message: string,
    readonly code: 'exists' | 'invalid',
  ) {
    super(message);
  }
}
