import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSqliteStsPolicyStore } from './sqlite-sts-policy-store.js';
import { stsPolicyStoreContract } from './sts-policy-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-sts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `s${++n}.db`);

stsPolicyStoreContract('sqlite', async () => openSqliteStsPolicyStore({ path: freshPath() }));

test('a cached MTA-STS policy survives closing and opening the file again (a restart keeps enforce in force)', async () => {
  const path = freshPath();
  const a = openSqliteStsPolicyStore({ path });
  const rec = { domain: 'd.test', id: 'x1', policy: { mode: 'enforce' as const, mx: ['mx.d.test'], maxAge: 60 }, fetchedAt: 1, expiresAt: 60_001 };
  await a.put(rec);
  await a.close();
  const b = openSqliteStsPolicyStore({ path });
  assert.deepEqual(await b.get('d.test'), rec);
  await b.close();
});
