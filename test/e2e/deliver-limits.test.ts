import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBaton, type Baton } from '../helpers/baton.js';
import { sendVia, testMessage, waitFor, waitForEmptyQueue } from '../helpers/deliver-kit.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';
import { startScriptedSink, type ScriptedSink, type ScriptedSinkOptions } from '../helpers/scripted-sink.js';

/**
 * Outbound limits (issue 16): `delivery.maxConnectionsPerSite`,
 * `delivery.maxConnections` and the hand-off of a freed slot to a waiting site,
 * `delivery.maxMessagesPerConnection` and `delivery.recipientsPerTransaction`,
 * counted at a real peer. The concurrency tests use a scripted sink that holds
 * every transaction at its end of data until the test releases it, so the
 * number in progress at once is read exactly, with no timing. Sites are found
 * by MX through a real DNS server (dnsmasq); every MX host is 127.0.0.1, on the
 * sink's port.
 */

const sender = 'sender@local.test';
const domains = ['site.test', 'a.test', 'b.test', 'c.test', 'msgs.test', 'rcpts.test'];

interface Rig {
  readonly b: Baton;
  readonly sink: ScriptedSink;
  readonly port: number;
  close(): Promise<void>;
}

describe('outbound connection and transaction limits', { timeout: 120_000, concurrency: true }, () => {
  let dns: DnsmasqHandle;

  before(async () => {
    dns = await startDnsmasq({
      // One MX host name per domain: each domain is its own site.
      mx: Object.fromEntries(domains.map((d) => [d, [{ host: `mx.${d}`, preference: 10 }]])),
      hosts: Object.fromEntries(domains.map((d) => [`mx.${d}`, ['127.0.0.1']])),
      ttl: 300,
    });
  });
  after(() => dns?.stop());

  async function rig(sinkOptions: ScriptedSinkOptions, delivery: Record<string, unknown>): Promise<Rig> {
    const sink = await startScriptedSink(sinkOptions);
    const b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        dns: { servers: [dns.server], timeout: '2s' },
        delivery: { port: sink.port, siteBackoff: '0s', ...delivery },
      },
    });
    return {
      b,
      sink,
      port: b.ports.mx as number,
      async close() {
        await b.stop();
        await sink.stop();
      },
    };
  }

  /** Every recipient the sink has taken a message for, across sessions and transactions. */
  const received = (sink: ScriptedSink): string[] => sink.sessions.flatMap((s) => s.messages.flatMap((m) => m.recipients));
  const holdDot: ScriptedSinkOptions = { hold: (e) => e.command === 'DOT' };

  test('delivery.maxConnectionsPerSite 2: a site with six transactions waiting never has more than two at once, and all six arrive', async () => {
    const r = await rig(holdDot, { maxConnectionsPerSite: 2, recipientsPerTransaction: 1 });
    try {
      const rcpts = Array.from({ length: 6 }, (_, i) => `user${i}@site.test`);
      await sendVia(r.port, sender, rcpts, testMessage(sender, 'many@site.test', 'per-site limit').text);
      // Six jobs for one site, queued together. Release one held transaction at
      // a time: each time the next job takes the freed connection.
      for (let left = 6; left > 0; left--) {
        const want = Math.min(2, left);
        await waitFor(`${want} transaction(s) held at the sink (${left} left)`, () => r.sink.held() >= want, 15_000, 20);
        assert.equal(r.sink.meter.peakBusy, 2, `at most two in progress, and the limit is used (peak ${r.sink.meter.peakBusy})`);
        r.sink.release(1);
      }
      await waitForEmptyQueue(r.b);
      assert.deepEqual(received(r.sink).sort(), rcpts.sort());
      assert.equal(r.sink.meter.peakBusy, 2, 'never more than two connections in use at once');
    } finally {
      r.sink.release();
      await r.close();
    }
  });

  test('delivery.maxConnections 2 over three sites: two in progress at once, and the third site gets the slot the first one frees', async () => {
    const r = await rig(holdDot, { maxConnections: 2 });
    try {
      const rcpts = ['x@a.test', 'x@b.test', 'x@c.test'];
      await sendVia(r.port, sender, rcpts, testMessage(sender, 'x@a.test, x@b.test, x@c.test', 'global limit').text);
      await waitFor('two transactions held at the sink', () => r.sink.held() >= 2, 15_000, 20);
      const first = received(r.sink);
      assert.equal(r.sink.meter.peakBusy, 2, `at most two connections in use (peak ${r.sink.meter.peakBusy})`);
      assert.equal(r.sink.sessions.length, 2, 'the third site has not connected while both slots are taken');
      const third = rcpts.find((x) => !first.includes(x));
      assert.ok(third, `two different sites hold the slots: ${first.join(', ')}`);

      // Free one slot: the waiting site gets it (DeliveryEngine.kickWaiting).
      r.sink.release(1);
      await waitFor(`the waiting site (${third}) to connect and send`, () => received(r.sink).includes(third) && r.sink.held() >= 2, 15_000, 20);
      assert.equal(r.sink.meter.peakBusy, 2, `still at most two in use (peak ${r.sink.meter.peakBusy})`);

      r.sink.release();
      await waitForEmptyQueue(r.b);
      assert.deepEqual(received(r.sink).sort(), rcpts);
      assert.equal(r.sink.meter.peakBusy, 2);
    } finally {
      r.sink.release();
      await r.close();
    }
  });

  test('delivery.maxMessagesPerConnection 2: five messages to one site arrive over connections carrying 2, 2 and 1', async () => {
    // One connection at a time, kept open between messages: only the limit closes it.
    const r = await rig({}, { maxMessagesPerConnection: 2, maxConnectionsPerSite: 1, connectionIdle: '1m' });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push(await sendVia(r.port, sender, [`user${i}@msgs.test`], testMessage(sender, `user${i}@msgs.test`, `message ${i}`).text));
      await waitFor('five messages at the sink', () => received(r.sink).length >= 5, 15_000);
      await waitForEmptyQueue(r.b);
      const perConnection = r.sink.sessions.map((s) => s.messages.length);
      assert.deepEqual(perConnection, [2, 2, 1], `messages per connection: ${JSON.stringify(perConnection)}`);
      for (const s of r.sink.sessions.slice(0, 2)) assert.equal(s.commands.at(-1), 'QUIT', 'a full connection is closed politely');
    } finally {
      await r.close();
    }
  });

  test('delivery.recipientsPerTransaction 3: seven recipients of one domain go in transactions of 3, 3 and 1, each delivered once', async () => {
    const r = await rig({}, { recipientsPerTransaction: 3 });
    try {
      const rcpts = Array.from({ length: 7 }, (_, i) => `user${i}@rcpts.test`);
      const msg = testMessage(sender, 'list@rcpts.test', 'recipients per transaction');
      await sendVia(r.port, sender, rcpts, msg.text);
      await waitFor('seven recipients at the sink', () => received(r.sink).length >= 7, 15_000);
      await waitForEmptyQueue(r.b);
      const transactions = r.sink.sessions.flatMap((s) => s.messages);
      const rcptCommands = r.sink.sessions.flatMap((s) => s.commands).filter((c) => /^RCPT /i.test(c));
      assert.deepEqual(transactions.map((m) => m.recipients.length).sort(), [1, 3, 3], `RCPTs per transaction: ${JSON.stringify(transactions.map((m) => m.recipients))}`);
      assert.equal(rcptCommands.length, 7, 'one RCPT per recipient, none repeated');
      assert.deepEqual(received(r.sink).sort(), rcpts.sort());
      for (const m of transactions) assert.ok(m.data.includes(msg.messageId), 'each transaction carries the message');
    } finally {
      await r.close();
    }
  });
});
