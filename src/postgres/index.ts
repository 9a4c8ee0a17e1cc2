export { closingWith, isPgUnavailable, openPgDatabase, type PgClient, type PgDatabase, type PgDatabaseOptions, type PgQueryable, type PgStoreOptions } from './database.js';
export { migratePg, schemaLevels } from './migrate.js';
