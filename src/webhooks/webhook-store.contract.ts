import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DELIVERIES_KEPT, DELIVERY_BODY_KEPT, type NewWebhookEndpoint, type WebhookDelivery, type WebhookStore } from './webhook-store.js';

/**
 * The shared suite every WebhookStore backend passes (DESIGN §9 Store).
 * `open` must return a fresh, empty store each time.
 */
export function webhookStoreContract(name: string, open: () => Promise<WebhookStore>): void {
  const T = 1_800_000_000_000;
  const endpoint = (id: string, more: Partial<NewWebhookEndpoint> = {}): NewWebhookEndpoint => ({ id, url: `http://127.0.0.1:9/${id}`, secret: `whsec_${id}`, cursor: 10, createdAt: T, ...more });
  const delivery = (n: number, more: Partial<WebhookDelivery> = {}): WebhookDelivery => ({ at: T + n, status: 200, ok: true, durationMs: 5, events: 1, firstEventId: n, lastEventId: n, ...more });

  async function withStore(fn: (s: WebhookStore) => Promise<void>): Promise<void> {
    const store = await open();
    try {
      await fn(store);
    } finally {
      await store.close();
    }
  }

  describe(`WebhookStore contract: ${name}`, () => {
    test('an endpoint is created enabled and healthy, and read back as made', () =>
      withStore(async (s) => {
        const made = await s.create(endpoint('wh_a', { events: ['delivered', 'bounced'], description: 'crm' }));
        assert.deepEqual(made, { ...endpoint('wh_a', { events: ['delivered', 'bounced'], description: 'crm' }), enabled: true, failures: 0 });
        assert.deepEqual(await s.get('wh_a'), made);
        assert.equal(await s.get('wh_nope'), undefined);
      }));

    test('list gives endpoints oldest first; remove deletes one and says whether it was there', () =>
      withStore(async (s) => {
        await s.create(endpoint('wh_b', { createdAt: T + 1 }));
        await s.create(endpoint('wh_a', { createdAt: T }));
        assert.deepEqual((await s.list()).map((e) => e.id), ['wh_a', 'wh_b']);
        assert.equal(await s.remove('wh_a'), true);
        assert.equal(await s.remove('wh_a'), false);
        assert.deepEqual((await s.list()).map((e) => e.id), ['wh_b']);
      }));

    test('update changes url, events (null: every type again) and description, and nothing else', () =>
      withStore(async (s) => {
        await s.create(endpoint('wh_a', { events: ['delivered'] }));
        const u = await s.update('wh_a', { url: 'https://hooks.example/x', events: ['bounced'], description: 'd' });
        assert.equal(u?.url, 'https://hooks.example/x');
        assert.deepEqual(u?.events, ['bounced']);
        assert.equal(u?.cursor, 10);
        assert.equal((await s.update('wh_a', { events: null }))?.events, undefined);
        assert.equal(await s.update('wh_nope', { url: 'http://x.test/' }), undefined);
      }));

    test('failures count up from the first, and a success (advance) clears them', () =>
      withStore(async (s) => {
        await s.create(endpoint('wh_a'));
        await s.recordFailure('wh_a', { at: T + 1, nextAttemptAt: T + 5, error: 'refused' });
        const f = await s.recordFailure('wh_a', { at: T + 9, nextAttemptAt: T + 20, error: 'HTTP 500' });
        assert.equal(f?.failures, 2);
        assert.equal(f?.firstFailureAt, T + 1, 'the run keeps its start');
        assert.equal(f?.nextAttemptAt, T + 20);
        assert.equal(f?.lastError, 'HTTP 500');
        assert.equal(await s.advance('wh_a', 10, 15), true);
        const ok = await s.get('wh_a');
        assert.equal(ok?.cursor, 15);
        assert.equal(ok?.failures, 0);
        assert.equal(ok?.firstFailureAt, undefined);
        assert.equal(ok?.nextAttemptAt, undefined);
        assert.equal(ok?.lastError, undefined);
      }));

    test('advance moves the cursor only from where the sender read it: a replay meanwhile wins', () =>
      withStore(async (s) => {
        await s.create(endpoint('wh_a'));
        await s.moveCursor('wh_a', 3);
        assert.equal(await s.advance('wh_a', 10, 15), false);
        assert.equal((await s.get('wh_a'))?.cursor, 3);
      }));

    test('disable keeps the cursor and says why; enable clears the failure state', () =>
      withStore(async (s) => {
        await s.create(endpoint('wh_a'));
        await s.recordFailure('wh_a', { at: T, nextAttemptAt: T + 5, error: 'refused' });
        const off = await s.setEnabled('wh_a', false, { at: T + 7, reason: 'failing for 3d' });
        assert.equal(off?.enabled, false);
        assert.equal(off?.disabledReason, 'failing for 3d');
        assert.equal(off?.disabledAt, T + 7);
        assert.equal(off?.cursor, 10);
        const on = await s.setEnabled('wh_a', true, { at: T + 8 });
        assert.equal(on?.enabled, true);
        assert.equal(on?.disabledReason, undefined);
        assert.equal(on?.failures, 0);
        assert.equal(on?.nextAttemptAt, undefined);
        assert.equal(on?.cursor, 10);
        assert.equal(await s.setEnabled('wh_nope', true, { at: T }), undefined);
      }));

    test(`the delivery log keeps the newest ${DELIVERIES_KEPT} of each endpoint, newest first, and goes with its endpoint`, () =>
      withStore(async (s) => {
        await s.create(endpoint('wh_a'));
        await s.create(endpoint('wh_b'));
        for (let i = 1; i <= DELIVERIES_KEPT + 5; i++) await s.addDelivery('wh_a', delivery(i));
        await s.addDelivery('wh_b', delivery(1, { ok: false, error: 'connection refused', events: 3, firstEventId: 4, lastEventId: 9 }));
        const { status: _, ...failed } = delivery(1, { ok: false, error: 'connection refused', events: 3, firstEventId: 4, lastEventId: 9 });
        await s.addDelivery('wh_b', failed);
        const a = await s.deliveries('wh_a', 1000);
        assert.equal(a.length, DELIVERIES_KEPT);
        assert.equal(a[0]?.firstEventId, DELIVERIES_KEPT + 5);
        assert.equal(a.at(-1)?.firstEventId, 6);
        const { id: failedId, ...listed } = (await s.deliveries('wh_b', 10))[0] ?? {};
        assert.deepEqual(listed, failed);
        assert.equal(typeof failedId, 'number');
        assert.equal((await s.deliveries('wh_a', 2)).length, 2);
        await s.remove('wh_b');
        assert.deepEqual(await s.deliveries('wh_b', 10), []);
        assert.equal(await s.delivery('wh_b', failedId as number), undefined, 'gone with its endpoint');
      }));

    test('a delivery keeps the body sent, shown by delivery() and left out of the list', () =>
      withStore(async (s) => {
        await s.create(endpoint('wh_a'));
        await s.create(endpoint('wh_b'));
        const body = JSON.stringify({ events: [{ id: 7, type: 'delivered' }] });
        await s.addDelivery('wh_a', delivery(7, { body }));
        await s.addDelivery('wh_a', delivery(8, { body: 'x'.repeat(DELIVERY_BODY_KEPT + 10) }));
        const [big, small] = await s.deliveries('wh_a', 10);
        assert.equal(small?.body, undefined);
        assert.equal(small?.bodyLength, body.length);
        const one = await s.delivery('wh_a', small?.id as number);
        assert.equal(one?.body, body);
        assert.equal(one?.firstEventId, 7);
        const cut = await s.delivery('wh_a', big?.id as number);
        assert.equal(cut?.body?.length, DELIVERY_BODY_KEPT, 'a huge body is cut to what is kept');
        assert.equal(cut?.bodyLength, DELIVERY_BODY_KEPT + 10, 'its full length is still told');
        assert.equal(await s.delivery('wh_b', small?.id as number), undefined, "another endpoint's delivery is not found under this one");
      }));
  });
}
