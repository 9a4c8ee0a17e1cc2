export { configureWriter, latestVersion, migrate, openConcernDatabase, ROW_SCHEMA_VERSION, type Migration, type SchemaConcern } from './migrate.js';
