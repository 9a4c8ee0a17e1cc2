import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBaton, type Baton } from '../helpers/baton.js';
import { pySend } from '../helpers/clients.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';
import { badSignatures, startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { outboxIds, webhookAdd, webhookShow } from '../helpers/webhook-kit.js';

/**
 * Webhooks end to end (issue 11): a real Baton delivering to Maildir and to a
 * scripted smarthost, real node:http receivers, `baton webhook` from the CLI.
 * Events arrive signed, filtered by type, in order, retried through 500s and
 * a receiver that is down, batched for a slow one, replayed on request
 * (webhooks-crash.test.ts: kill -9, and disabling).
 */
describe('webhooks', { timeout: 90_000 }, () => {
  let b: Baton;
  let sink: ScriptedSink;
  let all: WebhookReceiver;
  let picky: WebhookReceiver;
  let allHook: { id: string; secret: string; cursor: number };
  let pickyHook: { id: string; secret: string };
  let mx: number;

  before(async () => {
    sink = await startScriptedSink({ reply: (e) => (e.command === 'RCPT' && e.arg.includes('gone@') ? '550 5.1.1 No such user' : undefined) });
    [all, picky] = await Promise.all([startWebhookReceiver('/all'), startWebhookReceiver('/picky')]);
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}', mailboxes: ['alice@local.test'] },
        routes: [{ domains: ['remote.test'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        webhooks: { retry: { first: '200ms', max: '1s' }, disableAfter: '1m', batchSize: 50 },
      },
    });
    mx = b.ports.mx as number;
    allHook = await webhookAdd(b, all.url);
    pickyHook = await webhookAdd(b, picky.url, ['delivered', 'bounced', 'rejected']);
  });
  after(async () => {
    await b?.stop();
    await Promise.all([all?.stop(), picky?.stop(), sink?.stop()]);
  });

  test('every event type asked for arrives, signed, with unique ids; an endpoint gets only the types it chose', async () => {
    const m1 = testMessage('alice@local.test', 'alice@local.test', 'to a local user and an unknown one');
    const r = await pySend({ port: mx, mail_from: 'alice@local.test', rcpts: [{ to: 'alice@local.test' }, { to: 'unknown@local.test' }], data: m1.text });
    assert.equal(r.rcpts?.[1]?.[0], 550, 'the unknown local user is refused at RCPT: a rejected event');
    const m2 = testMessage('alice@local.test', 'ok@remote.test, gone@remote.test', 'one delivered, one bounced');
    const q2 = await sendVia(mx, 'alice@local.test', ['ok@remote.test', 'gone@remote.test'], m2.text);
    const types = () => new Set(picky.accepted().map((e) => e.type));
    await waitFor('delivered, bounced and rejected at the picky receiver', () => ['delivered', 'bounced', 'rejected'].every((t) => types().has(t)), 15_000);
    assert.deepEqual([...types()].sort(), ['bounced', 'delivered', 'rejected'], 'nothing of other types');
    const bounced = picky.accepted().find((e) => e.type === 'bounced');
    assert.equal(bounced?.queueId, q2);
    assert.equal(bounced?.['recipient'], 'gone@remote.test');
    await waitFor('the all-events receiver to see the bounce too', () => all.accepted().some((e) => e.type === 'bounced'), 10_000);
    for (const t of ['accepted', 'delivered', 'bounced', 'rejected']) assert.ok(all.accepted().some((e) => e.type === t), `all-events receiver got ${t}`);
    assert.deepEqual(badSignatures(all.posts, allHook.secret), []);
    assert.deepEqual(badSignatures(picky.posts, pickyHook.secret), []);
    assert.equal(badSignatures(picky.posts, allHook.secret).length, picky.posts.length, 'another endpoint\'s secret does not verify');
    const ids = all.accepted().map((e) => e.id);
    assert.equal(new Set(ids).size, ids.length, 'unique ids');
    assert.equal(all.posts[0]?.headers['baton-webhook-id'], allHook.id);
    assert.equal(all.posts[0]?.headers['content-type'], 'application/json');
  });

  test('a receiver answering 500 gets the same events again until it answers 200', async () => {
    const from = all.posts.length;
    all.answer = ({ index }) => ({ status: index < from + 2 ? 500 : 200 });
    const q = await sendVia(mx, 'alice@local.test', ['alice@local.test'], testMessage('alice@local.test', 'alice@local.test', '500 then 200').text);
    await waitFor(`the events of ${q} taken`, () => all.accepted().some((e) => e.queueId === q && e.type === 'delivered'), 15_000);
    const refused = all.posts.slice(from).filter((p) => p.status === 500);
    assert.equal(refused.length, 2);
    const firstId = refused[0]?.events[0]?.id;
    assert.ok(all.posts.slice(from).filter((p) => p.status === 200).some((p) => p.events[0]?.id === firstId), 'the refused events came again');
    const show = await webhookShow(b, allHook.id);
    assert.ok(show.deliveries.some((d) => d.status === 500 && d.ok === false), 'the delivery log shows the 500s');
    all.answer = () => ({ status: 200 });
  });

  test('a receiver that is down for a while (connection refused) then up gets every event, in order, none lost', async () => {
    await all.down();
    // In parallel: down for less than disableAfter (8s) on a loaded machine.
    const queued = await Promise.all([0, 1, 2].map((i) => sendVia(mx, 'alice@local.test', ['alice@local.test'], testMessage('alice@local.test', 'alice@local.test', `while down ${i}`).text)));
    await waitFor('two refused attempts', async () => (await webhookShow(b, allHook.id)).failures >= 2, 10_000);
    const down = await webhookShow(b, allHook.id);
    assert.match(down.lastError ?? '', /connection refused/);
    assert.ok(down.lag.pendingEvents > 0, 'the lag shows the waiting events');
    await all.up();
    await waitFor('every message delivered and reported', () => queued.every((q) => all.accepted().some((e) => e.queueId === q && e.type === 'delivered')), 15_000);
    for (const q of queued) {
      const mine = all.accepted().filter((e) => e.queueId === q).map((e) => e.type);
      assert.deepEqual(mine.slice(0, 2), ['accepted', 'delivered'], `${q}: per-message order`);
    }
    assert.equal((await webhookShow(b, allHook.id)).failures, 0, 'healthy again');
  });

  test('a slow receiver gets batches', async () => {
    all.answer = () => ({ status: 200, delayMs: 500 });
    const from = all.posts.length;
    const queued = await Promise.all([0, 1, 2, 3, 4].map((i) => sendVia(mx, 'alice@local.test', ['alice@local.test'], testMessage('alice@local.test', 'alice@local.test', `slow ${i}`).text)));
    await waitFor('all reported', () => queued.every((q) => all.accepted().some((e) => e.queueId === q && e.type === 'delivered')), 20_000);
    const sizes = all.posts.slice(from).map((p) => p.events.length);
    assert.ok(Math.max(...sizes) > 1, `batched: POST sizes ${sizes.join(',')}`);
    assert.ok(sizes.length < 10, `fewer POSTs (${sizes.length}) than events (10)`);
    all.answer = () => ({ status: 200 });
  });

  test('replay from an event id sends that event and the ones after it again', async () => {
    const taken = all.accepted();
    const from = taken[Math.floor(taken.length / 2)] as { id: number };
    const before = all.posts.length;
    const r = await b.cli(['webhook', 'replay', allHook.id, '--from', String(from.id)]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`replays from event ${from.id}`));
    const newest = taken.at(-1)?.id as number;
    await waitFor('the replayed events', () => all.posts.slice(before).flatMap((p) => p.events).some((e) => e.id === newest), 10_000);
    const again = all.posts.slice(before).flatMap((p) => p.events).map((e) => e.id);
    assert.equal(again[0], from.id);
    assert.deepEqual(again.slice(0, taken.length - taken.indexOf(from as never)), taken.slice(taken.indexOf(from as never)).map((e) => e.id));
  });

  test('the all-events receiver has every outbox event since it was added, first sight in id order', async () => {
    await waitFor('caught up', async () => (await webhookShow(b, allHook.id)).lag.pendingEvents === 0, 10_000);
    const seen: number[] = [];
    for (const e of all.accepted()) if (!seen.includes(e.id)) seen.push(e.id);
    assert.deepEqual(seen, [...seen].sort((x, y) => x - y), 'first sight of each id is in order');
    assert.deepEqual(seen, outboxIds(b).filter((id) => id > allHook.cursor), 'none lost');
  });
});
