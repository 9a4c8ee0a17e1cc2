export type * from './store.js';
export { ALREADY_SENT } from './store.js';
export { openSqliteQueueStore, QueueStoreError, type SqliteQueueStore } from './sqlite/sqlite-store.js';
export { nextAttemptDelay } from './schedule.js';
