export { configureWriter, latestVersion, migrate, ROW_SCHEMA_VERSION, type Migration, type SchemaConcern } from './migrate.js';
