import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fakeClock } from '../../test/helpers/defence-deps.js';
import type { EventStore } from '../events/index.js';
import { memoryEventStore, rejectedAt } from '../../test/helpers/memory-events.js';
import { WebhookAdmin, WebhookError } from './admin.js';
import { openSqliteWebhookStore } from './sqlite-webhook-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-webhook-admin-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const T = 1_800_000_000_000;

/** An outbox whose oldest kept id is `firstId` (the ones before were pruned). */
function outbox(times: readonly number[], firstId = 1): EventStore {
  return memoryEventStore(times.map(rejectedAt), firstId);
}

function admin(events: EventStore) {
  const store = openSqliteWebhookStore({ path: join(dir, `a${++n}.db`) });
  after(() => store.close());
  return new WebhookAdmin({ store, events, clock: fakeClock(T + 60_000) });
}

const rejects = (p: Promise<unknown>, kind: WebhookError['kind'], re: RegExp) => assert.rejects(p, (err) => err instanceof WebhookError && err.kind === kind && re.test(err.message));

test('a new endpoint starts after the newest event, with a fresh id and secret', async () => {
  const a = admin(outbox([T, T + 1, T + 2]));
  const e = await a.create({ url: 'https://hooks.example/x', events: ['delivered', 'delivered', 'bounced'] });
  assert.match(e.id, /^wh_[0-9a-f]{16}$/);
  assert.match(e.secret, /^whsec_/);
  assert.equal(e.cursor, 3);
  assert.deepEqual(e.events, ['delivered', 'bounced']);
  assert.equal((await a.create({ url: 'http://127.0.0.1:8080/', events: [] })).events, undefined, 'empty: every type');
});

test('URLs must be http or https without credentials; event types must exist', async () => {
  const a = admin(outbox([]));
  await rejects(a.create({ url: 'not a url' }), 'invalid', /is not a URL/);
  await rejects(a.create({ url: 'file:///etc/passwd' }), 'invalid', /http: or https:, not file:/);
  await rejects(a.create({ url: 'https://u:p@hooks.example/' }), 'invalid', /no user or password/);
  await rejects(a.create({ url: 'https://hooks.example/', events: ['delivered', 'nope'] }), 'invalid', /unknown event type nope/);
  await rejects(a.get('wh_0000000000000000'), 'not-found', /no webhook/);
});

test('replay from an event id sends that event again; from a time, the first event at or after it', async () => {
  const a = admin(outbox([T, T + 1000, T + 2000, T + 3000]));
  const e = await a.create({ url: 'https://hooks.example/x' });
  assert.deepEqual((await a.replay(e.id, { eventId: 2 })).firstEventId, 2);
  assert.equal((await a.get(e.id)).cursor, 1);
  const byTime = await a.replay(e.id, { time: T + 1500 });
  assert.equal(byTime.firstEventId, 3);
  assert.equal(byTime.endpoint.cursor, 2);
  assert.equal((await a.replay(e.id, { time: T + 10_000 })).endpoint.cursor, 4, 'a time after everything: caught up');
  await rejects(a.replay(e.id, { eventId: 5 }), 'invalid', /does not exist yet \(the newest is 4\)/);
  await rejects(a.replay(e.id, { eventId: 0 }), 'invalid', /whole number from 1/);
});

test('a replay from before the retained events starts at the oldest one kept', async () => {
  const a = admin(outbox([T, T + 1], 50));
  const e = await a.create({ url: 'https://hooks.example/x' });
  const r = await a.replay(e.id, { eventId: 3 });
  assert.equal(r.firstEventId, 50);
  assert.equal(r.endpoint.cursor, 49);
});

test('lag: event ids after the cursor and the age of the oldest of them; none when caught up', async () => {
  const a = admin(outbox([T, T + 1000, T + 2000]));
  const e = await a.create({ url: 'https://hooks.example/x' });
  assert.deepEqual((await a.lag()).map(({ pendingEvents, lagSeconds, oldestPendingAt }) => ({ pendingEvents, lagSeconds, oldestPendingAt })), [{ pendingEvents: 0, lagSeconds: 0, oldestPendingAt: undefined }]);
  await a.replay(e.id, { eventId: 2 });
  const [lag] = await a.lag();
  assert.equal(lag?.pendingEvents, 2);
  assert.equal(lag?.oldestPendingAt, T + 1000);
  assert.equal(lag?.lagSeconds, 59);
});

test('update checks what it changes; enabling through update clears the failure state', async () => {
  const a = admin(outbox([]));
  const e = await a.create({ url: 'https://hooks.example/x' });
  await rejects(a.update(e.id, { url: 'gopher://x' }), 'invalid', /gopher:/);
  const off = await a.update(e.id, { enabled: false, events: ['bounced'] });
  assert.deepEqual([off.enabled, off.disabledReason, off.events], [false, 'operator', ['bounced']]);
  const on = await a.update(e.id, { enabled: true, events: null });
  assert.deepEqual([on.enabled, on.events], [true, undefined]);
});
