export { hashPassword, verifyHash } from './password.js';
export { normaliseDomains, openSqliteUserStore, type SqliteUserStoreOptions } from './sqlite-user-store.js';
export { UserStoreError, type UserInfo, type UserStore } from './user-store.js';
