import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { canConnect, startBaton, type Baton } from '../helpers/baton.js';
import { entryOf, sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';

/**
 * Roles (DESIGN §1, config `roles`): two `baton start` processes on one SQLite
 * queue (the same `dataDir`), one `inbound` only and one `delivery` only. The
 * two nodes route all mail to different next hops, so the peer that receives a
 * message tells which node delivered it: the delivery node's route goes to
 * `nextHop`, the inbound node's to `decoy`, which must never hear from anyone.
 */
describe('an inbound-only node and a delivery-only node sharing one queue', { timeout: 90_000 }, () => {
  let nextHop: ScriptedSink;
  let decoy: ScriptedSink;
  let inbound: Baton;
  let delivery: Baton;
  const sender = 'sender@local.test';

  before(async () => {
    nextHop = await startScriptedSink();
    decoy = await startScriptedSink();
    const route = (sink: ScriptedSink) => [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }];
    inbound = await startBaton({
      config: { roles: ['inbound'], listeners: [{ role: 'mx' }], localDomains: ['local.test'], routes: route(decoy) },
    });
    delivery = await startBaton({
      config: {
        roles: ['delivery'],
        dataDir: inbound.dir,
        // Configured, but a node without the inbound role must not open it.
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        routes: route(nextHop),
        delivery: { siteBackoff: '0s' },
      },
      awaitListeners: false,
    });
  });
  after(async () => {
    await delivery?.stop();
    await inbound?.stop();
    await nextHop?.stop();
    await decoy?.stop();
  });

  test('mail accepted by the inbound-only node is delivered by the delivery-only node', async () => {
    const msg = testMessage(sender, 'user@remote.test', 'two roles, two processes');
    const id = await sendVia(inbound.ports.mx as number, sender, ['user@remote.test'], msg.text);
    const got = await waitFor('the message at the delivery node\'s next hop', () => nextHop.sessions.flatMap((s) => s.messages).find((m) => m.data.includes(msg.messageId)), 20_000);
    assert.deepEqual(got.recipients, ['user@remote.test']);
    await waitFor(`${id} to leave the shared queue`, async () => (await entryOf(inbound, id)) === undefined, 10_000);
    assert.equal(decoy.sessions.length, 0, 'the inbound-only node never delivered');
    assert.match(delivery.logs(), new RegExp(`"queueId":"${id}"[^\\n]*"status":"sent"`), 'the delivery node logged the delivery');
    assert.doesNotMatch(inbound.logs(), /"msg":"delivery /, 'the inbound node logged no delivery');
  });

  test('the delivery-only node opens no SMTP port', async () => {
    // It is up (it delivers), yet nothing listens where its config says.
    const msg = testMessage(sender, 'other@remote.test', 'is the delivery node up');
    await sendVia(inbound.ports.mx as number, sender, ['other@remote.test'], msg.text);
    await waitFor('a delivery by the delivery node', () => nextHop.sessions.some((s) => s.messages.some((m) => m.data.includes(msg.messageId))), 20_000);
    assert.ok(delivery.alive(), delivery.logs());
    const listener = delivery.listeners[0];
    assert.ok(listener);
    assert.equal(await canConnect(listener.host, listener.port), false, `something listens on ${listener.address}`);
    assert.doesNotMatch(delivery.logs(), /"msg":"listening"/);
  });
});
