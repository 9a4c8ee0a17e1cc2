import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { badSignatures, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** The webhook routes of the API through the real curl, against a real receiver (docs/api.md#webhooks). */

let api: ApiBaton;
let r: WebhookReceiver;
before(async () => {
  r = await startWebhookReceiver();
  api = await startApiBaton({
    config: {
      listeners: [{ role: 'mx' }],
      localDomains: ['local.test'],
      local: { maildir: 'mail/{domain}/{user}', mailboxes: ['alice@local.test'] },
      webhooks: { retry: { first: '200ms', max: '1s' } },
    },
  });
});
after(async () => {
  await api?.stop();
  await r?.stop();
});

const PROBLEM = 'application/problem+json';

test('create, list, get, patch, deliveries, replay, test and delete a webhook with curl', async () => {
  const made = await api.curl('/api/v1/webhooks', { json: { url: r.url, events: ['accepted', 'delivered'], description: 'crm' } });
  assert.equal(made.status, 201, made.text);
  const id = made.body.id as string;
  assert.match(id, /^wh_[0-9a-f]{16}$/);
  assert.match(made.body.secret, /^whsec_/);
  assert.equal(made.headers['location'], `/api/v1/webhooks/${id}`);
  assert.deepEqual(made.body.events, ['accepted', 'delivered']);

  const list = await api.curl('/api/v1/webhooks');
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.webhooks.map((w: { id: string }) => w.id), [id]);
  assert.equal(list.body.webhooks[0].secret, undefined, 'the secret is shown only at creation');

  const q = await sendVia(api.baton.ports.mx as number, 'alice@local.test', ['alice@local.test'], testMessage('alice@local.test', 'alice@local.test', 'api webhook').text);
  await waitFor('accepted and delivered at the receiver', () => ['accepted', 'delivered'].every((t) => r.accepted().some((e) => e.queueId === q && e.type === t)), 15_000);
  assert.deepEqual(badSignatures(r.posts, made.body.secret), []);

  const one = await api.curl(`/api/v1/webhooks/${id}`);
  assert.equal(one.status, 200);
  assert.equal(one.body.enabled, true);
  assert.equal(typeof one.body.lag.pendingEvents, 'number');
  assert.equal(typeof one.body.lastSuccessAt, 'string', 'the 2xx above is its last success');
  assert.equal(one.body.lastFailureAt, null);

  const deliveries = await api.curl(`/api/v1/webhooks/${id}/deliveries?limit=5`);
  assert.equal(deliveries.status, 200);
  assert.ok(deliveries.body.deliveries.length >= 1);
  assert.equal(deliveries.body.deliveries[0].status, 200);
  const first = deliveries.body.deliveries[0];
  const oneDelivery = await api.curl(`/api/v1/webhooks/${id}/deliveries/${first.id}`);
  assert.equal(oneDelivery.status, 200, oneDelivery.text);
  assert.equal(oneDelivery.body.bodyLength, oneDelivery.body.body.length);
  assert.equal(oneDelivery.body.bodyTruncated, false);
  const sent = r.posts.find((p) => p.body === oneDelivery.body.body);
  assert.ok(sent, 'the body shown is byte for byte one the receiver got');
  const noDelivery = await api.curl(`/api/v1/webhooks/${id}/deliveries/999999`);
  assert.equal(noDelivery.status, 404);
  assert.match(noDelivery.headers['content-type'] ?? '', /application\/problem\+json/);

  const off = await api.curl(`/api/v1/webhooks/${id}`, { method: 'PATCH', json: { enabled: false, events: null } });
  assert.equal(off.status, 200, off.text);
  assert.equal(off.body.enabled, false);
  assert.equal(off.body.disabledReason, 'operator');
  assert.equal(off.body.events, 'all');

  const firstId = r.accepted().find((e) => e.queueId === q)?.id as number;
  const replay = await api.curl(`/api/v1/webhooks/${id}/replay`, { json: { fromEventId: firstId } });
  assert.equal(replay.status, 200, replay.text);
  assert.equal(replay.body.firstEventId, firstId);
  assert.equal(replay.body.webhook.cursor, firstId - 1);
  const before = r.posts.length;
  const on = await api.curl(`/api/v1/webhooks/${id}`, { method: 'PATCH', json: { enabled: true } });
  assert.equal(on.body.enabled, true);
  await waitFor('the replayed event', () => r.posts.slice(before).some((p) => p.events.some((e) => e.id === firstId)), 10_000);

  const tested = await api.curl(`/api/v1/webhooks/${id}/test`, { method: 'POST' });
  assert.equal(tested.status, 200, tested.text);
  assert.equal(tested.body.ok, true);
  assert.ok(r.posts.some((p) => p.events[0]?.type === 'webhook-test' && p.events[0]?.id === 0));

  const gone = await api.curl(`/api/v1/webhooks/${id}`, { method: 'DELETE' });
  assert.equal(gone.status, 204);
  const missing = await api.curl(`/api/v1/webhooks/${id}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['content-type'], PROBLEM);
  assert.match(missing.body.detail, /no webhook/);
});

test('bad input is a 422 problem naming the field; another scope than admin gets 403', async () => {
  const ftp = await api.curl('/api/v1/webhooks', { json: { url: 'ftp://x.test/' } });
  assert.equal(ftp.status, 422);
  assert.equal(ftp.body.type, 'https://baton.dev/problems/validation');
  assert.match(ftp.body.detail, /http: or https:/);
  const badType = await api.curl('/api/v1/webhooks', { json: { url: r.url, events: ['nope'] } });
  assert.equal(badType.status, 422);
  assert.match(badType.body.detail, /body\.events\[0\]/);
  const made = await api.curl('/api/v1/webhooks', { json: { url: r.url } });
  const both = await api.curl(`/api/v1/webhooks/${made.body.id}/replay`, { json: { fromEventId: 1, fromTime: '2026-01-01T00:00:00Z' } });
  assert.equal(both.status, 422);
  const future = await api.curl(`/api/v1/webhooks/${made.body.id}/replay`, { json: { fromEventId: 1_000_000 } });
  assert.equal(future.status, 422);
  assert.match(future.body.detail, /does not exist yet/);
  const reader = await api.createKey('reader', { scopes: ['read'] });
  const denied = await api.curl('/api/v1/webhooks', { key: reader });
  assert.equal(denied.status, 403);
  assert.equal(denied.headers['content-type'], PROBLEM);
});
