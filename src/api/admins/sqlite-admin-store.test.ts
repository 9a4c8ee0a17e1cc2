import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { adminStoreContract } from './admin-store.contract.js';
import { openSqliteAdminStore } from './sqlite-admin-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-admins-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

adminStoreContract('sqlite', async () => {
  const path = join(dir, `a${++n}.db`);
  return { store: openSqliteAdminStore({ path }), reopen: async () => openSqliteAdminStore({ path }) };
});
