import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { apiKeyStoreContract } from './api-key-store.contract.js';
import { openSqliteApiKeyStore } from './sqlite-api-key-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-apikeys-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

apiKeyStoreContract('sqlite', async () => openSqliteApiKeyStore({ path: join(dir, `k${++n}.db`) }));
