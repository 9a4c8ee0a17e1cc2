export { QUEUE_SCHEMA } from './migrations.js';
export { openSqliteQueueStore, QueueStoreError, type SqliteQueueStore, type SqliteQueueStoreOptions } from './sqlite-store.js';
