import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { count, tlsRptStoreContract } from './tlsrpt-store.contract.js';
import { openSqliteTlsRptStore } from './sqlite-tlsrpt-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-tlsrpt-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `t${++n}.db`);

// Two connections on one file: what two processes (the node and `baton tlsrpt send`) share.
tlsRptStoreContract('sqlite', async () => {
  const path = freshPath();
  const a = openSqliteTlsRptStore({ path });
  const b = openSqliteTlsRptStore({ path });
  return { a, b, close: async () => (await b.close(), await a.close()) };
});

test('counts survive closing and opening the file again', async () => {
  const path = freshPath();
  const a = openSqliteTlsRptStore({ path });
  await a.add([count({ count: 3 })], []);
  await a.close();
  const b = openSqliteTlsRptStore({ path });
  assert.equal((await b.countsFor('2026-03-01'))[0]?.count, 3);
  await b.close();
});
