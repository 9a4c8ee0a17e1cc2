import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { openTestPgDatabase } from '../../../test/helpers/pg.js';
import { compileSegment, type SegmentFilter } from '../segments/index.js';
import type { FlowStoreFixture } from './flow-store.contract.js';
import { pgFlowFixture, sqliteFlowFixture, tempDir } from './test-fixtures.js';

const dir = tempDir('baton-flow-branch-');
after(() => dir.remove());
const NOW = Date.UTC(2027, 0, 15);

/** A branch's condition as main.ts wires it: the segments' compiler, then FlowStore.inSegment for the one contact. */
async function branchCases(fx: FlowStoreFixture): Promise<void> {
  const { store } = fx;
  const matches = (filter: SegmentFilter, id: number) => store.inSegment(id, compileSegment(filter, store.dialect, NOW));
  const ann = await fx.addContact('ann@x.test', { plan: 'pro', seats: 12 });
  const bob = await fx.addContact('bob@x.test', { plan: 'free', seats: 1 });
  await fx.addMember(3, bob, 'subscribed');
  const pro: SegmentFilter = { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] };
  assert.deepEqual([await matches(pro, ann), await matches(pro, bob)], [true, false]);
  const big: SegmentFilter = { any: [{ attr: 'seats', op: 'gt', value: 10 }, { list: 3 }] };
  assert.deepEqual([await matches(big, ann), await matches(big, bob)], [true, true]);
  const hostile: SegmentFilter = { all: [{ attr: "plan') OR 1=1 --", op: 'eq', value: "x' OR '1'='1" }] };
  assert.deepEqual([await matches(hostile, ann), await matches(hostile, bob)], [false, false], 'values and names are bound, not spliced');
}

test('branch conditions through the segment compiler on SQLite', async () => {
  const fx = sqliteFlowFixture(dir.path());
  try {
    await branchCases(fx);
  } finally {
    await fx.close();
  }
});

test('branch conditions through the segment compiler on PostgreSQL', async () => {
  const fx = await pgFlowFixture(await openTestPgDatabase());
  try {
    await branchCases(fx);
  } finally {
    await fx.close();
  }
});
