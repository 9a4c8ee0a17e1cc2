import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startBaton, type Baton } from '../helpers/baton.js';
import { sendVia, testMessage, waitFor, type TestMessage } from '../helpers/deliver-kit.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';

/**
 * Delivery shaping through the engine (issue 8, DESIGN §9 Throttle): a
 * provider's limits are one budget for every site whose MX hosts match it,
 * its rate holds, and throttling replies slow it down until deliveries bring
 * it back. The peer is our scripted sink behind a real DNS server: one.test
 * and two.test have MX hosts of their own (two sites) under *.prov.test.
 */
interface Rig {
  readonly b: Baton;
  readonly sink: ScriptedSink;
  readonly dns: DnsmasqHandle;
  close(): Promise<void>;
}

/** one.test, two.test and d1.test ... d12.test: each its own site, every MX host under prov.test. */
const DOMAINS = ['one', 'two', ...Array.from({ length: 12 }, (_, i) => `d${i + 1}`)];

async function rig(provider: Record<string, unknown>, sinkOptions: Parameters<typeof startScriptedSink>[0] = {}, extra: Record<string, unknown> = {}): Promise<Rig> {
  const sink = await startScriptedSink({ host: '127.0.0.2', ...sinkOptions });
  const dns = await startDnsmasq({
    mx: Object.fromEntries(DOMAINS.map((d) => [`${d}.test`, [{ host: `mx.${d}.prov.test`, preference: 10 }]])),
    hosts: Object.fromEntries(DOMAINS.map((d) => [`mx.${d}.prov.test`, ['127.0.0.2']])),
  });
  const b = await startBaton({
    config: {
      listeners: [{ role: 'mx' }],
      delivery: { port: sink.port, tls: 'none', siteBackoff: '0s' },
      dns: { servers: [dns.server], timeout: '2s' },
      queue: { retry: { first: '1s', max: '1s', jitter: 0 } },
      shaping: { providers: [{ name: 'testprov', mx: ['*.prov.test'], ...provider }], ...extra },
    },
  });
  return {
    b,
    sink,
    dns,
    async close() {
      await b.stop();
      await dns.stop();
      await sink.stop();
    },
  };
}

const send = (b: Baton, to: string, subject: string) => {
  const msg = testMessage('s@client.test', to, subject);
  return sendVia(b.ports.mx as number, 's@client.test', [to], msg.text).then(() => msg);
};
const arrived = (sink: ScriptedSink, messageId: string) => sink.sessions.some((s) => s.messages.some((m) => m.data.includes(messageId)));

describe('shaping per provider', { timeout: 120_000 }, () => {
  test('two domains on one provider share its connection budget: the second waits for the first', async () => {
    const r = await rig({ connections: 1 }, { hold: (e) => e.command === 'DOT' });
    try {
      const first = await send(r.b, 'a@one.test', 'first');
      const second = await send(r.b, 'b@two.test', 'second');
      await waitFor('the first transaction held at the sink', () => r.sink.held() === 1);
      assert.equal(r.sink.meter.open, 1, 'one connection to the provider');
      r.sink.release(1);
      await waitFor('the second transaction held at the sink', () => r.sink.held() === 1 && r.sink.meter.peakBusy >= 1 && arrived(r.sink, second.messageId));
      r.sink.release(1);
      await waitFor('both delivered', () => arrived(r.sink, first.messageId) && arrived(r.sink, second.messageId) && r.sink.held() === 0);
      // `connections` counts attempts in flight (like Postfix's destination concurrency); an idle pooled connection does not.
      assert.equal(r.sink.meter.peakBusy, 1, 'never two transactions at once to one provider with connections: 1, even for two sites');
    } finally {
      await r.close();
    }
  });

  test('a provider rate holds across its sites: 12 transactions at 240/min take at least 1.5 s (a burst of 4, then one each quarter second)', async () => {
    const r = await rig({ rate: '240/min', connections: 20 });
    try {
      // One message to twelve domains of the provider: twelve jobs queued at once.
      const rcpts = Array.from({ length: 12 }, (_, i) => `u@d${i + 1}.test`);
      const msg = testMessage('s@client.test', 'many', 'rate');
      await sendVia(r.b.ports.mx as number, 's@client.test', rcpts, msg.text);
      await waitFor('all twelve delivered', () => r.sink.sessions.flatMap((s) => s.messages).filter((m) => m.data.includes(msg.messageId)).length === 12, 30_000);
      const times = r.sink.sessions.flatMap((s) => s.messages.map((m) => m.at)).sort((x, y) => x - y);
      const spread = (times.at(-1) ?? 0) - (times[0] ?? 0);
      // A lower bound only (2 s of starts less the first connections' set-up):
      // load makes delivery slower, never faster than the rate. Unshaped, all twelve land within a few tens of ms.
      assert.ok(spread >= 1500, `twelve deliveries within ${spread} ms: the rate did not hold`);
    } finally {
      await r.close();
    }
  });

  test('throttling replies halve the provider\'s rate, and deliveries bring it back (baton shaping status)', async () => {
    let refused = 0;
    const r = await rig(
      { rate: '600/min', connections: 1 },
      { reply: (e) => (e.command === 'MAIL' && refused++ < 2 ? '421 4.7.0 [TSS04] Messages from 127.0.0.1 temporarily deferred due to unexpected volume' : undefined) },
      { adaptive: { recoverAfter: 1, pauseAfter: 5 } },
    );
    try {
      const msgs: TestMessage[] = [];
      for (let i = 0; i < 8; i++) msgs.push(await send(r.b, `v${i}@one.test`, `throttled ${i}`));
      await waitFor('all delivered after the throttling', () => msgs.every((m) => arrived(r.sink, m.messageId)), 60_000);
      const status = await waitFor('the provider recovered', async () => {
        const out = await r.b.cli(['shaping', 'status', '--json']);
        assert.equal(out.code, 0, out.stderr);
        const rows = JSON.parse(out.stdout) as { scope: string; lastChange: { action: string } | null; history: { action: string; reply: string | null; rate: number | null }[] }[];
        const row = rows.find((x) => x.scope === 'provider:testprov');
        return row?.lastChange?.action === 'recovered' ? row : undefined;
      });
      const slowed = status.history.filter((h) => h.action === 'slowed');
      assert.ok(slowed.length >= 1, JSON.stringify(status.history));
      assert.match(slowed.at(-1)?.reply ?? '', /^421 4\.7\.0 \[TSS04\]/, 'the reply that asked for it');
      assert.equal(slowed.at(-1)?.rate, 5, '600/min halved: 5 per second');
      assert.match(r.b.logs(), /shaping slowed/);
    } finally {
      await r.close();
    }
  });
});
