export { AdminStoreError, type AdminInfo, type AdminSession, type AdminStore, type StoredAdmin } from './admin-store.js';
export { ADMINS_SCHEMA } from './admin-migrations.js';
export { openSqliteAdminStore, type SqliteAdminStoreOptions } from './sqlite-admin-store.js';
export { AdminSessions, type AdminSessionsOptions, type LoginRequest, type SessionInfo } from './admin-sessions.js';
export { changeAdminPassword, checkAdminName, createAdmin, MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './admin-accounts.js';
export { cookieIsSecure, isLoopbackHost, parseCookieHeader, sessionCookie, sessionCookieName } from './cookie.js';
export { csrfRefusal, isSafeMethod, tokensMatch } from './csrf.js';
