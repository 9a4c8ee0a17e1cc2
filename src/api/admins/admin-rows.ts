import type { AdminInfo, AdminSession } from './admin-store.js';

/** Row shapes and row → object mapping shared by the SQLite and PostgreSQL admin stores (same columns in both schemas). */
export interface AdminRow {
  readonly name: string;
  readonly password: string;
  readonly created_at: number;
  readonly password_changed_at: number;
  readonly last_login_at: number | null;
  readonly locked_until: number | null;
}

export interface SessionRow {
  readonly id_hash: Buffer;
  readonly admin: string;
  readonly csrf_token: string;
  readonly created_at: number;
  readonly last_seen_at: number;
  readonly expires_at: number;
  readonly ip: string;
  readonly user_agent: string;
}

export const ADMIN_COLUMNS = 'name, password, created_at, password_changed_at, last_login_at, locked_until';
export const SESSION_COLUMNS = 'id_hash, admin, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent';

export function toInfo(r: AdminRow): AdminInfo {
  return {
    name: r.name,
    createdAt: r.created_at,
    passwordChangedAt: r.password_changed_at,
    ...(r.last_login_at !== null ? { lastLoginAt: r.last_login_at } : {}),
    ...(r.locked_until !== null ? { lockedUntil: r.locked_until } : {}),
  };
}

export function toSession(r: SessionRow): AdminSession {
  return {
    idHash: r.id_hash,
    admin: r.admin,
    csrfToken: r.csrf_token,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    expiresAt: r.expires_at,
    ip: r.ip,
    userAgent: r.user_agent,
  };
}
