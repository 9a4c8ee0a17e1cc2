import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { EventBus } from '../../events/index.js';
import { silentLogger } from '../../log/index.js';
import { openSqliteSuppressionStore } from '../../suppression/index.js';
import type { ContactMailRequest, ContactMailResult, ContactMailer } from '../types.js';
import type { BranchFilter, FlowStep } from './flow-definition.js';
import { exitOnSuppression } from './flow-exits.js';
import { FlowRunner } from './flow-runner.js';
import { FlowTriggers } from './flow-triggers.js';
import { suppressionStatus } from './index.js';
import { sqliteFlowFixture, tempDir } from './test-fixtures.js';

const dir = tempDir('baton-flow-runner-');
after(() => dir.remove());

const DAY = 86_400_000;
const T0 = Date.UTC(2027, 0, 15, 8);
const CONFIG = { tick: 1000, batch: 10, retry: 300_000 };
const LEASE = 60_000;

/** A mailer with a send log like the queue's: a key queued once, then already-sent; `hang` keeps the next send's promise open after it committed (a process killed there). */
function fakeMailer() {
  const log = new Map<string, ContactMailRequest>();
  let refuseNext: ContactMailResult | undefined;
  let hang = false;
  const mailer: ContactMailer = {
    async send(req) {
      if (refuseNext) {
        const r = refuseNext;
        refuseNext = undefined;
        return r;
      }
      const key = `${req.sendLog.scope}/${req.sendLog.key}`;
      if (log.has(key)) return { kind: 'already-sent' };
      log.set(key, req);
      if (hang) return new Promise<ContactMailResult>(() => {});
      return { kind: 'queued', queueId: `q${log.size}` };
    },
  };
  return {
    mailer,
    log,
    sent: () => [...log.values()].map((r) => `${r.contact.address}:${r.templateId}`),
    refuse: (r: ContactMailResult) => void (refuseNext = r),
    hangNext: () => void (hang = true),
  };
}

/** Attribute filters only, enough for branches here: {all: [{attr, op: eq, value}]}. */
function attrMatcher(store: { contact(id: number): Promise<{ attributes: Readonly<Record<string, unknown>> } | undefined> }) {
  return async (filter: BranchFilter, contactId: number) => {
    const c = await store.contact(contactId);
    const conds = (filter.all ?? []) as { attr: string; value: unknown }[];
    return conds.every((k) => c?.attributes[k.attr] === k.value);
  };
}

function setUp(steps: FlowStep[], path = dir.path()) {
  const fx = sqliteFlowFixture(path);
  const suppressions = openSqliteSuppressionStore({ path });
  let now = T0;
  const clock = { now: () => now };
  const mail = fakeMailer();
  const runner = (m: ContactMailer = mail.mailer) =>
    new FlowRunner({ store: fx.store, mailer: m, matches: attrMatcher(fx.store), contactStatus: suppressionStatus(suppressions, clock), clock, logger: silentLogger(), config: CONFIG, leaseMs: LEASE });
  const triggers = new FlowTriggers({ store: fx.store, clock, logger: silentLogger(), onEnrolled: () => {} });
  const flow = () => fx.store.create({ name: 'f', trigger: { type: 'list-joined', list: 7 }, steps, active: true, apiKey: 'shop' }, now);
  const join = async (address: string, attributes: Record<string, unknown> = {}) => {
    const id = await fx.addContact(address, attributes);
    const contact = await fx.store.contact(id);
    triggers.joinedList(contact!, 7);
    await triggers.settled();
    return id;
  };
  const state = async (flowId: number) => (await fx.store.runs(flowId, { limit: 100 })).map((r) => [r.address, r.state, r.position, r.exitReason ?? null]).reverse();
  return {
    fx, suppressions, mail, runner, triggers, flow, join, state,
    at: (t: number) => void (now = t),
    async close() {
      await suppressions.close();
      await fx.close();
    },
  };
}

const send = (template: number): FlowStep => ({ type: 'send', template, from: 'News <news@news.test>' });

test('a welcome drip: send A at once, wait a day (nothing before it is over), send B, completed; the send log keys are the positions', async () => {
  const s = setUp([send(1), { type: 'wait', duration: '1d' }, send(2)]);
  try {
    const f = await s.flow();
    await s.join('ann@x.test');
    const r = s.runner();
    assert.equal(await r.runDue(), 1);
    assert.deepEqual(s.mail.sent(), ['ann@x.test:1']);
    assert.deepEqual(await s.state(f.id), [['ann@x.test', 'waiting', '2', null]]);
    assert.equal((await s.fx.store.runs(f.id, { limit: 1 }))[0]?.nextAt, T0 + DAY);
    s.at(T0 + DAY - 1);
    assert.equal(await r.runDue(), 0, 'the wait is not over');
    s.at(T0 + DAY);
    assert.equal(await r.runDue(), 1);
    assert.deepEqual(s.mail.sent(), ['ann@x.test:1', 'ann@x.test:2']);
    assert.deepEqual(await s.state(f.id), [['ann@x.test', 'completed', '2', null]]);
    const runId = (await s.fx.store.runs(f.id, { limit: 1 }))[0]?.id;
    assert.deepEqual([...s.mail.log.keys()], [`flow-run:${runId}/0`, `flow-run:${runId}/2`]);
    const req = [...s.mail.log.values()][0];
    assert.deepEqual([req?.stream, req?.apiKey, req?.from], ['bulk', 'shop', 'News <news@news.test>']);
  } finally {
    await s.close();
  }
});

test('branch on the contact, update an attribute (the next branch sees it), exit ends the run with its reason', async () => {
  const s = setUp([
    { type: 'branch', if: { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] }, then: [send(10)], else: [send(20), { type: 'update', attr: 'plan', value: 'pro' }] },
    { type: 'branch', if: { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] }, then: [send(30), { type: 'exit' }], else: [] },
    send(40),
  ]);
  try {
    const f = await s.flow();
    const pro = await s.join('pro@x.test', { plan: 'pro' });
    await s.join('free@x.test', { plan: 'free' });
    await s.runner().runDue();
    assert.deepEqual(s.mail.sent().sort(), ['free@x.test:20', 'free@x.test:30', 'pro@x.test:10', 'pro@x.test:30']);
    assert.deepEqual(await s.state(f.id), [
      ['pro@x.test', 'exited', '1.then.1', 'exit step 1.then.1'],
      ['free@x.test', 'exited', '1.then.1', 'exit step 1.then.1'],
    ]);
    assert.deepEqual((await s.fx.store.contactByAddress('free@x.test'))?.attributes, { plan: 'pro' });
    assert.deepEqual((await s.fx.store.contact(pro))?.attributes, { plan: 'pro' });
  } finally {
    await s.close();
  }
});

test('restart mid-flow: a run claimed by a runner that died after its send committed is taken again after the lease, and the send is not repeated', async () => {
  const path = dir.path();
  const s = setUp([send(1), { type: 'wait', duration: '2h' }, send(2)], path);
  try {
    const f = await s.flow();
    await s.join('ann@x.test');
    s.mail.hangNext();
    // The first runner commits the send and never gets to advance (killed there).
    void s.runner().runDue();
    await waitUntil(() => s.mail.log.size === 1);
    assert.deepEqual(await s.state(f.id), [['ann@x.test', 'running', '0', null]]);
    // A new process: the same file, a new store and runner, a mailer with the same send log (the queue's).
    const fresh = sqliteFlowFixture(path);
    const mail2: ContactMailer = { send: async (req) => (s.mail.log.has(`${req.sendLog.scope}/${req.sendLog.key}`) ? { kind: 'already-sent' } : s.mail.mailer.send(req)) };
    const clock = { now: () => T0 + LEASE };
    const r2 = new FlowRunner({ store: fresh.store, mailer: mail2, matches: async () => false, contactStatus: suppressionStatus(s.suppressions, clock), clock, logger: silentLogger(), config: CONFIG, leaseMs: LEASE });
    assert.equal(await r2.runDue(), 1, 'the lapsed claim is due again');
    assert.deepEqual(await s.state(f.id), [['ann@x.test', 'waiting', '2', null]], 'already-sent moves the position on');
    assert.equal(s.mail.log.size, 1, 'step 0 queued once');
    await fresh.close();
  } finally {
    await s.close();
  }
});

test('an unsubscribe between steps: the bus exits the run at once; a suppression the bus did not see is caught before the next step', async () => {
  const s = setUp([send(1), { type: 'wait', duration: '1d' }, send(2)]);
  const bus = new EventBus();
  const stop = exitOnSuppression(bus, { store: s.fx.store, clock: { now: () => T0 + 5 }, logger: silentLogger() });
  try {
    const f = await s.flow();
    await s.join('ann@x.test');
    await s.join('bob@x.test');
    await s.join('cid@x.test');
    await s.runner().runDue();
    assert.equal(s.mail.sent().length, 3);
    // ann: one-click unsubscribe from news.test (domain-scoped), seen on the bus.
    await s.suppressions.add([{ address: 'ann@x.test', domain: 'news.test', reason: 'unsubscribe', createdAt: T0 + 5 }]);
    bus.publish([{ type: 'suppression-added', at: T0 + 5, address: 'ann@x.test', domain: 'news.test', reason: 'unsubscribe', source: 'one-click' }]);
    // cid: a scope for another sender's domain: this flow goes on.
    bus.publish([{ type: 'suppression-added', at: T0 + 5, address: 'cid@x.test', domain: 'other.test', reason: 'unsubscribe' }]);
    await waitUntil(async () => (await s.state(f.id))[0]?.[1] === 'exited');
    // bob: suppressed globally (a hard bounce) where this process's bus did not see it (another node).
    await s.suppressions.add([{ address: 'bob@x.test', reason: 'hard-bounce', createdAt: T0 + 6 }]);
    s.at(T0 + DAY);
    assert.equal(await s.runner().runDue(), 2, 'ann is not claimed: her run is over');
    assert.deepEqual(s.mail.sent().filter((x) => x.endsWith(':2')), ['cid@x.test:2'], 'no step B for ann or bob');
    assert.deepEqual(await s.state(f.id), [
      ['ann@x.test', 'exited', '2', 'unsubscribed'],
      ['bob@x.test', 'exited', '2', 'bounced'],
      ['cid@x.test', 'completed', '2', null],
    ]);
  } finally {
    stop();
    await s.close();
  }
});

test('leaving the list the flow started from ends the run before its next step', async () => {
  const s = setUp([send(1), { type: 'wait', duration: '1h' }, send(2)]);
  try {
    const f = await s.flow();
    const ann = await s.join('ann@x.test');
    await s.runner().runDue();
    await s.fx.addMember(7, ann, 'unsubscribed');
    s.at(T0 + 3_600_000);
    await s.runner().runDue();
    assert.deepEqual(await s.state(f.id), [['ann@x.test', 'exited', '2', 'left the list']]);
    assert.deepEqual(s.mail.sent(), ['ann@x.test:1']);
  } finally {
    await s.close();
  }
});

test('a temporary refusal waits `retry` at the same step; a refusal for good exits; a paused flow is not walked', async () => {
  const s = setUp([send(1), send(2)]);
  try {
    const f = await s.flow();
    await s.join('ann@x.test');
    s.mail.refuse({ kind: 'refused', reason: 'quota', temporary: true });
    await s.runner().runDue();
    assert.deepEqual(await s.state(f.id), [['ann@x.test', 'waiting', '0', null]]);
    s.at(T0 + CONFIG.retry);
    await s.fx.store.setActive(f.id, false, T0);
    assert.equal(await s.runner().runDue(), 0, 'paused');
    await s.fx.store.setActive(f.id, true, T0);
    s.mail.refuse({ kind: 'refused', reason: 'domain not allowed', temporary: false });
    await s.runner().runDue();
    assert.deepEqual(await s.state(f.id), [['ann@x.test', 'exited', '0', 'refused: domain not allowed']]);
    assert.deepEqual(s.mail.sent(), []);
    // Ended: joining again starts a new run.
    s.triggers.joinedList((await s.fx.store.contactByAddress('ann@x.test'))!, 7);
    await s.triggers.settled();
    await s.runner().runDue();
    assert.deepEqual(s.mail.sent(), ['ann@x.test:1', 'ann@x.test:2']);
  } finally {
    await s.close();
  }
});

async function waitUntil(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setImmediate(r));
  }
  throw new Error('condition not met');
}
