export { SUPPRESSION_REASONS, domainAndParents, suppressionKey } from './suppression-store.js';
export type { NewSuppression, SuppressionEntry, SuppressionQuery, SuppressionReason, SuppressionStore } from './suppression-store.js';
export { openSqliteSuppressionStore } from './sqlite-suppression-store.js';
export { SUPPRESSION_SCHEMA } from './suppression-migrations.js';
export { Suppressions } from './suppressions.js';
export { CSV_COLUMNS, CsvImportError, exportCsv, importCsvStream, rowToSuppression, type ImportDefaults, type ImportOptions, type ImportReport } from './suppression-csv.js';
