import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queueList, startBaton, type Baton } from '../helpers/baton.js';
import { startDnsmasq, type DnsmasqHandle } from '../helpers/dnsmasq.js';
import {
  entryOf,
  waitForAttempt,
  maildirMessages,
  parseDsn,
  sendVia,
  testMessage,
  unfold,
  waitFor,
  withoutOurReceived,
  type ParsedDsn,
} from '../helpers/deliver-kit.js';
import { startSinksOnOnePort } from '../helpers/deliver-sinks.js';
import type { DumpedMessage, SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * Delivery by MX (issue 3, RFC 5321 §5.1, RFC 7505) against a real DNS server
 * (dnsmasq) and real receiving MTAs (Postfix smtp-sink) on 127.0.0.2/.3/.5,
 * all on one port given to Baton as `delivery.port`. 127.0.0.4 listens on
 * nothing: connections there are refused. The sender's domain is local with a
 * Maildir, so bounces are read back from disk.
 */
describe('delivery by MX', { timeout: 120_000 }, () => {
  let dns: DnsmasqHandle;
  let sinks: SmtpSinkHandle[];
  let mx1: SmtpSinkHandle; // 127.0.0.2
  let mx2: SmtpSinkHandle; // 127.0.0.3
  let implicit: SmtpSinkHandle; // 127.0.0.5
  let b: Baton;
  let port: number;
  const sender = 'sender@local.test';
  const senderMaildir = () => join(b.dir, 'mail', 'local.test', 'sender');

  before(async () => {
    const started = await startSinksOnOnePort(['127.0.0.2', '127.0.0.3', '127.0.0.5']);
    sinks = started.sinks;
    [mx1, mx2, implicit] = sinks as [SmtpSinkHandle, SmtpSinkHandle, SmtpSinkHandle];
    dns = await startDnsmasq({
      mx: {
        'mx.test': [
          { host: 'mx1.mx.test', preference: 10 },
          { host: 'mx2.mx.test', preference: 20 },
        ],
        'fallback.test': [
          { host: 'dead.fallback.test', preference: 10 },
          { host: 'live.fallback.test', preference: 20 },
        ],
        'loop.test': [{ host: 'mx.loop.test', preference: 10 }],
      },
      hosts: {
        'mx1.mx.test': ['127.0.0.2'],
        'mx2.mx.test': ['127.0.0.3'],
        'dead.fallback.test': ['127.0.0.4'],
        'live.fallback.test': ['127.0.0.3'],
        'implicit.test': ['127.0.0.5'],
        'mx.loop.test': ['127.0.0.6'],
      },
      nullMx: ['nullmx.test'],
      broken: ['broken.test'],
    });
    b = await startBaton({
      config: {
        // The second listener is where loop.test's MX points: Baton itself on the delivery port.
        listeners: [{ role: 'mx' }, { role: 'mx', address: `127.0.0.6:${started.port}` }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}' },
        dns: { servers: [dns.server], timeout: '300ms' },
        delivery: { port: started.port, connectionIdle: '3s' },
      },
    });
    port = b.ports.mx as number;
  });
  after(async () => {
    try {
      await b?.stop();
    } finally {
      await dns?.stop();
      await Promise.all((sinks ?? []).map((s) => s.stop()));
    }
  });

  /** The dumped message carrying this Message-ID, once the sink has it. */
  const arrived = (sink: SmtpSinkHandle, messageId: string, timeoutMs = 10_000): Promise<DumpedMessage> =>
    waitFor(`${messageId} at ${sink.host}`, async () => (await sink.messages()).find((m) => m.data.includes(messageId)), timeoutMs);

  /** The DSN in the sender's Maildir that reports on this recipient. */
  const dsnFor = (rcpt: string, timeoutMs = 10_000): Promise<ParsedDsn> =>
    waitFor(`a DSN for ${rcpt} in ${senderMaildir()}`, async () => {
      for (const f of await maildirMessages(senderMaildir())) {
        const dsn = await parseDsn(f.text);
        if (dsn.recipients.some((r) => unfold(r['final-recipient']).toLowerCase().endsWith(rcpt))) return dsn;
      }
      return undefined;
    }, timeoutMs, 250);

  test('a message goes to the most preferred MX, byte-exact apart from our Received header', async () => {
    const msg = testMessage(sender, 'user@mx.test', 'by MX');
    const id = await sendVia(port, sender, ['user@mx.test'], msg.text);
    const got = await arrived(mx1, msg.messageId);
    assert.equal(got.mailFrom, sender);
    assert.deepEqual(got.recipients, ['user@mx.test']);
    // smtp-sink writes its dumps with LF line ends; compare in that form.
    assert.equal(withoutOurReceived(got.data), msg.text.replace(/\r\n/g, '\n'));
    assert.ok(!(await mx2.messages()).some((m) => m.data.includes(msg.messageId)), 'nothing went to the less preferred MX');
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
  });

  test('when the first MX refuses connections the next one gets the message', async () => {
    const msg = testMessage(sender, 'user@fallback.test', 'fallback');
    const id = await sendVia(port, sender, ['user@fallback.test'], msg.text);
    const got = await arrived(mx2, msg.messageId);
    assert.deepEqual(got.recipients, ['user@fallback.test']);
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
    assert.match(b.logs(), /127\.0\.0\.4/, 'the refused MX was tried and logged');
  });

  test('a domain with only an A record is delivered to that address (implicit MX)', async () => {
    const msg = testMessage(sender, 'user@implicit.test', 'implicit MX');
    await sendVia(port, sender, ['user@implicit.test'], msg.text);
    const got = await arrived(implicit, msg.messageId);
    assert.deepEqual(got.recipients, ['user@implicit.test']);
  });

  test('null MX (RFC 7505) bounces at once with 5.1.10 and a DSN to the sender', async () => {
    const msg = testMessage(sender, 'user@nullmx.test', 'null MX');
    const id = await sendVia(port, sender, ['user@nullmx.test'], msg.text);
    const dsn = await dsnFor('user@nullmx.test');
    assert.equal(dsn.contentType, 'multipart/report');
    assert.equal(dsn.reportType, 'delivery-status');
    const r = dsn.recipients.find((x) => unfold(x['final-recipient']).endsWith('user@nullmx.test'));
    assert.equal(unfold(r?.action), 'failed');
    assert.equal(unfold(r?.status), '5.1.10');
    assert.equal(dsn.returnedMessageId, msg.messageId);
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
    for (const s of sinks) assert.ok(!(await s.messages()).some((m) => m.data.includes(msg.messageId)), `nothing reached ${s.host}`);
  });

  test('NXDOMAIN bounces with a DSN to the sender', async () => {
    const msg = testMessage(sender, 'user@nosuch.test', 'NXDOMAIN');
    await sendVia(port, sender, ['user@nosuch.test'], msg.text);
    const dsn = await dsnFor('user@nosuch.test');
    const r = dsn.recipients.find((x) => unfold(x['final-recipient']).endsWith('user@nosuch.test'));
    assert.equal(unfold(r?.action), 'failed');
    assert.match(unfold(r?.status), /^5\.\d+\.\d+$/);
  });

  test('a DNS timeout defers: the recipient stays pending with the error shown', async () => {
    const msg = testMessage(sender, 'user@broken.test', 'SERVFAIL');
    const id = await sendVia(port, sender, ['user@broken.test'], msg.text);
    const rcpt = await waitForAttempt(b, id, { timeoutMs: 15_000, intervalMs: 250 });
    assert.equal(rcpt.status, 'pending');
    const why = `${String(rcpt.raw.lastReply)} | ${String(rcpt.raw.lastError)}`;
    // The DNS failure itself, not any deferral (e.g. the engine's own "internal error during delivery").
    assert.match(String(rcpt.raw.lastReply), /^451 4\.4\.3 /, `deferred as a temporary DNS failure: ${why}`);
    assert.match(String(rcpt.raw.lastError), /broken\.test.*failed: temporary/, `the error names the lookup: ${why}`);
    assert.ok(Date.parse(String(rcpt.raw.nextAttemptAt)) > Date.now(), 'a next attempt is scheduled in the future');
    // Never a bounce for a temporary DNS failure.
    const dsns = await maildirMessages(senderMaildir());
    for (const f of dsns) assert.ok(!f.text.includes('user@broken.test'), 'no DSN for a deferred recipient');
  });

  test('an MX that points at Baton itself is a loop: deferred with a clear log, never delivered to ourselves', async () => {
    const msg = testMessage(sender, 'user@loop.test', 'MX loop');
    const id = await sendVia(port, sender, ['user@loop.test'], msg.text);
    const rcpt = await waitForAttempt(b, id, { timeoutMs: 10_000, intervalMs: 200 });
    assert.equal(rcpt.status, 'pending');
    const why = `${String(rcpt.raw.lastReply)} | ${String(rcpt.raw.lastError)}`;
    assert.match(String(rcpt.raw.lastReply), /^451 4\.4\.6 /, `deferred as a loop: ${why}`);
    assert.match(String(rcpt.raw.lastError), /mail would loop/, why);
    assert.match(b.logs(), /mail would loop/);
    const loops = (await queueList(b)).filter((e) => e.recipients.some((r) => r.address === 'user@loop.test'));
    assert.equal(loops.length, 1, 'the message did not come back in as a second copy');
  });

  test('several messages to one destination share connections', async () => {
    const before = mx1.counters();
    const ids: string[] = [];
    const rcpts = Array.from({ length: 8 }, (_, i) => `reuse${i}@mx.test`);
    const msgs = rcpts.map((to) => testMessage(sender, to, `reuse ${to}`));
    for (const [i, m] of msgs.entries()) ids.push(await sendVia(port, sender, [rcpts[i] as string], m.text));
    for (const m of msgs) await arrived(mx1, m.messageId);
    // Connections close after 3 s idle (connectionIdle); smtp-sink counts a session when it ends.
    const after = await waitFor('the sink to count the messages', () => {
      const c = mx1.counters();
      return c.mesg - before.mesg >= msgs.length ? c : undefined;
    }, 10_000);
    await waitFor('the reused connections to end', () => (mx1.counters().sess > before.sess ? true : undefined), 10_000);
    await new Promise((r) => setTimeout(r, 3500)); // any other idle connection ends too
    const sessions = mx1.counters().sess - before.sess;
    assert.ok(sessions < msgs.length, `${msgs.length} messages used ${sessions} connections (counters ${JSON.stringify(after)})`);
    const left = (await queueList(b)).filter((e) => ids.includes(e.id));
    assert.deepEqual(left, [], 'all of them left the queue');
  });
});
