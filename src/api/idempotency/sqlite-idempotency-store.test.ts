import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { idempotencyStoreContract } from './idempotency-store.contract.js';
import { openSqliteIdempotencyStore } from './sqlite-idempotency-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-idempotency-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

idempotencyStoreContract('sqlite', async () => openSqliteIdempotencyStore({ path: join(dir, `i${++n}.db`) }));
