import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBaton, type Baton } from '../helpers/baton.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { freePorts } from '../helpers/free-port.js';
import { badSignatures, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { outboxIds, webhookAdd, webhookShow } from '../helpers/webhook-kit.js';

/**
 * Webhooks across a `kill -9` of Baton mid-stream (at-least-once: the cursor
 * commits after the receiver's 2xx, so a crash can only send events again,
 * with the ids the receiver has already seen), and an endpoint that never
 * answers, disabled after `webhooks.disableAfter` with an event saying so.
 */
describe('webhooks across kill -9, and disabling', { timeout: 90_000 }, () => {
  let b: Baton;
  let r: WebhookReceiver;
  let hook: { id: string; secret: string; cursor: number };
  let mx: number;
  const send = (subject: string) => sendVia(mx, 'alice@local.test', ['alice@local.test'], testMessage('alice@local.test', 'alice@local.test', subject).text);

  before(async () => {
    r = await startWebhookReceiver();
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}', mailboxes: ['alice@local.test'] },
        webhooks: { retry: { first: '100ms', max: '300ms' }, disableAfter: '2s', batchSize: 2 },
      },
    });
    mx = b.ports.mx as number;
    hook = await webhookAdd(b, r.url);
  });
  after(async () => {
    await b?.stop();
    await r?.stop();
  });

  test('kill -9 mid-stream, then restart: every event arrives at least once, repeats only of ids already seen', async () => {
    // Slow answers and small batches: the stream is still going when Baton dies.
    r.answer = () => ({ status: 200, delayMs: 300 });
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => send(`before the crash ${i}`)));
    await waitFor('a few POSTs taken', () => r.posts.length >= 2, 10_000);
    await b.kill9();
    const beforeRestart = r.accepted().length;
    r.answer = () => ({ status: 200 });
    await b.restart();
    await Promise.all([send('after the crash 1'), send('after the crash 2')]);
    const expected = () => outboxIds(b).filter((id) => id > hook.cursor);
    await waitFor('every outbox event at the receiver', () => {
      const got = new Set(r.accepted().map((e) => e.id));
      const want = expected();
      return want.length >= 14 && want.every((id) => got.has(id)) && (b.process.exitCode === null);
    }, 20_000);
    assert.ok(beforeRestart < expected().length, `the crash came mid-stream (${beforeRestart} of ${expected().length} events taken before it)`);
    const firstSeen = new Map<number, string>();
    const order: number[] = [];
    for (const e of r.accepted()) {
      const json = JSON.stringify(e);
      const earlier = firstSeen.get(e.id);
      if (earlier === undefined) {
        firstSeen.set(e.id, json);
        order.push(e.id);
      } else assert.equal(json, earlier, `event ${e.id} came again with the same content`);
    }
    assert.deepEqual(order, [...order].sort((x, y) => x - y), 'first sight of each id is in id order');
    assert.deepEqual(badSignatures(r.posts, hook.secret), []);
  });

  test('an endpoint failing for disableAfter is disabled, and a webhook-disabled event says so', async () => {
    const [closed] = await freePorts(1);
    const dead = await webhookAdd(b, `http://127.0.0.1:${closed}/nobody`);
    await send('for the dead endpoint');
    const event = await waitFor('a webhook-disabled event', () => r.accepted().find((e) => e.type === 'webhook-disabled' && e['webhookId'] === dead.id), 15_000);
    assert.match(String(event['reason']), /connection refused/);
    assert.ok(Number(event.at) - Number(event['failingSince']) >= 2000, 'failing for at least disableAfter');
    const show = await webhookShow(b, dead.id);
    assert.equal(show.enabled, false);
    assert.ok(show.failures >= 2);
    const list = await b.cli(['webhook', 'list']);
    assert.match(list.stdout, new RegExp(`${dead.id}.*disabled`));
  });
});
