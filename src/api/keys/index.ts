export { ApiKeyStoreError, type ApiKeyInfo, type ApiKeyStore, type NewApiKey, type StoredApiKey } from './api-key-store.js';
export { API_KEYS_SCHEMA } from './api-key-migrations.js';
export { openSqliteApiKeyStore, type SqliteApiKeyStoreOptions } from './sqlite-api-key-store.js';
export { ApiKeys, DEFAULT_KEY_CACHE_MS, type ApiKeysOptions, type NewKeyRequest } from './api-keys.js';
export { formatKey, hashSecret, parseKey } from './key-format.js';
