export { LATEST_VERSION, MIGRATIONS, runMigrations, type Migration } from './migrations.js';
export { openSqliteQueueStore, QueueStoreError, type SqliteQueueStore, type SqliteQueueStoreOptions } from './sqlite-store.js';
