export { hashPassword, verifyHash } from './password.js';
export { normaliseDomains, openSqliteUserStore, type SqliteUserStoreOptions } from './sqlite-user-store.js';
export { applySettingsPatch } from './user-settings.js';
export { UserStoreError, type AuthenticatedUser, type ContainedState, type UserInfo, type UserLimits, type UserSettings, type UserSettingsPatch, type UserStore } from './user-store.js';
