import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { silentLogger } from '../../log/index.js';
import type { Contact } from '../types.js';
import { FlowTriggers } from './flow-triggers.js';
import { sqliteFlowFixture, tempDir } from './test-fixtures.js';

const dir = tempDir('baton-flow-triggers-');
after(() => dir.remove());

test('contact changes enroll the active flows they start, gathered into few commits; the runner is woken once per batch', async () => {
  const fx = sqliteFlowFixture(dir.path());
  try {
    const { store } = fx;
    const steps = [{ type: 'exit' as const }];
    const welcome = await store.create({ name: 'w', trigger: { type: 'list-joined', list: 1 }, steps, active: true, apiKey: 'k' }, 0);
    await store.create({ name: 'other list', trigger: { type: 'list-joined', list: 2 }, steps, active: true, apiKey: 'k' }, 0);
    await store.create({ name: 'paused', trigger: { type: 'list-joined', list: 1 }, steps, active: false, apiKey: 'k' }, 0);
    const pro = await store.create({ name: 'pro', trigger: { type: 'attribute-changed', attr: 'plan', value: 'pro' }, steps, active: true, apiKey: 'k' }, 0);
    const anyPlan = await store.create({ name: 'any plan', trigger: { type: 'attribute-changed', attr: 'plan' }, steps, active: true, apiKey: 'k' }, 0);
    let wakes = 0;
    const t = new FlowTriggers({ store, clock: { now: () => 1 }, logger: silentLogger(), onEnrolled: () => wakes++ });
    const contacts: Contact[] = [];
    for (let i = 0; i < 2500; i++) contacts.push({ id: await fx.addContact(`c${i}@x.test`), address: `c${i}@x.test`, attributes: {}, createdAt: 0, updatedAt: 0 });
    // As an import hands them over: one call each, awaited (the calls return at once).
    for (const c of contacts) await t.joinedList(c, 1);
    await t.attributeChanged(contacts[0] as Contact, 'plan', 'free', 'pro');
    await t.attributeChanged(contacts[1] as Contact, 'plan', 'pro', 'free');
    await t.attributeChanged(contacts[2] as Contact, 'seats', 1, 2);
    await t.settled();
    const counts = await store.counts([welcome.id, pro.id, anyPlan.id]);
    assert.deepEqual([counts.get(welcome.id)?.waiting, counts.get(pro.id)?.waiting, counts.get(anyPlan.id)?.waiting], [2500, 1, 2]);
    assert.equal(wakes, 1, 'one batch');
    assert.equal((await store.list()).length, 5);
    // Joined again while the run is live: nothing new.
    await t.joinedList(contacts[0] as Contact, 1);
    await t.settled();
    assert.equal((await store.counts([welcome.id])).get(welcome.id)?.waiting, 2500);
  } finally {
    await fx.close();
  }
});
