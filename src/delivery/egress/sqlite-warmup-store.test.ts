import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openSqliteWarmupCounters } from './sqlite-warmup-store.js';
import { warmupCountersContract } from './warmup-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-warmup-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(dir, `w${++n}.db`);

warmupCountersContract('sqlite', async () => {
  const path = freshPath();
  return [openSqliteWarmupCounters({ path }), openSqliteWarmupCounters({ path })] as const;
});

test('warm-up counts survive closing and opening the file again (a restart does not renew the day)', async () => {
  const path = freshPath();
  const a = openSqliteWarmupCounters({ path });
  assert.equal(await a.take('2025-01-01', 'out1', 'google', 7, 10), 7);
  await a.close();
  const b = openSqliteWarmupCounters({ path });
  assert.equal(await b.take('2025-01-01', 'out1', 'google', 7, 10), 3);
  await b.close();
});
