import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queueList, startBaton, type Baton } from '../helpers/baton.js';
import { pySend } from '../helpers/clients.js';
import { entryOf, maildirMessages, parseDsn, sendVia, testMessage, unfold, waitFor, waitForMaildir } from '../helpers/deliver-kit.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';

/**
 * Delay and success notices through the engine (issue 16; RFC 3461, RFC 3464),
 * read back with Python's `email` package. Senders are in a local domain, so
 * each notice lands in the sender's Maildir (one sender per test). Remote mail
 * goes to a scripted sink that does not advertise DSN (its default EHLO), and
 * that answers 451 to RCPT for late@remote.test every time.
 */
describe('delay and success notices', { timeout: 120_000 }, () => {
  let sink: ScriptedSink;
  let b: Baton;
  let port: number;
  const maildir = (user: string) => join(b.dir, 'mail', 'local.test', user);

  before(async () => {
    sink = await startScriptedSink({ reply: (e) => (e.command === 'RCPT' && e.arg.includes('late@') ? '451 4.2.0 Mailbox busy, try again later' : undefined) });
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}' },
        routes: [{ domains: ['remote.test'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        delivery: { siteBackoff: '0s', delayWarning: '2s' },
        queue: { retry: { first: '1s', max: '1s', jitter: 0 } },
      },
    });
    port = b.ports.mx as number;
  });
  after(async () => {
    await b?.stop();
    await sink?.stop();
  });

  /** Wait until no notice (a message from <>) is queued, then list the Maildir. */
  async function settledMaildir(dir: string) {
    await waitFor('no notice left in the queue', async () => (await queueList(b)).every((e) => e.sender !== ''), 15_000, 250);
    return maildirMessages(dir);
  }

  test('a recipient whose site keeps deferring gets one "delayed" DSN once the message has waited longer than delivery.delayWarning', async () => {
    const from = 'delay@local.test';
    const msg = testMessage(from, 'late@remote.test, fine@remote.test', 'delay warning');
    const id = await sendVia(port, from, ['late@remote.test', 'fine@remote.test'], msg.text);
    const [file] = await waitForMaildir(maildir('delay'), 1, 20_000);
    assert.match(file?.text ?? '', /^Return-Path: <>\n/, 'the notice is sent from the null sender');
    const dsn = await parseDsn(file?.text ?? '');
    assert.equal(dsn.contentType, 'multipart/report');
    assert.equal(dsn.reportType, 'delivery-status');
    assert.match(dsn.subject ?? '', /Delay/);
    assert.deepEqual(dsn.defects, []);
    assert.equal(dsn.recipients.length, 1, `only the delayed recipient is reported: ${JSON.stringify(dsn.recipients)}`);
    const r = dsn.recipients[0] ?? {};
    assert.match(unfold(r['final-recipient']), /^rfc822; ?late@remote\.test$/);
    assert.equal(unfold(r.action), 'delayed');
    assert.match(unfold(r.status), /^4\.\d{1,3}\.\d{1,3}$/);
    assert.match(unfold(r['diagnostic-code']), /^smtp; ?451 4\.2\.0 /);
    assert.ok(unfold(r['will-retry-until']), 'Will-Retry-Until is given');
    assert.equal(dsn.returnedMessageId, msg.messageId);
    assert.ok(sink.sessions.some((s) => s.messages.some((m) => m.recipients.includes('fine@remote.test') && m.data.includes(msg.messageId))), 'the other recipient was delivered');

    // Only one warning: let three more attempts fail after it, then count.
    const attempts = async () => Number((await entryOf(b, id))?.recipients.find((x) => x.address === 'late@remote.test')?.raw.attempts);
    const seen = await attempts();
    await waitFor('three more attempts', async () => (await attempts()) >= seen + 3, 20_000, 250);
    const files = await settledMaildir(maildir('delay'));
    assert.equal(files.length, 1, `one delay notice, not one per attempt: ${files.length}`);
    const del = await b.cli(['queue', 'delete', id]);
    assert.equal(del.code, 0, del.stderr);
  });

  test('NOTIFY=SUCCESS for a local recipient: once in the Maildir, the sender gets a DSN with Action: delivered', async () => {
    const from = 'success@local.test';
    const msg = testMessage(from, 'alice@local.test', 'success, local');
    const sent = await pySend({ port, mail_from: from, rcpts: [{ to: 'alice@local.test', options: ['NOTIFY=SUCCESS'] }], data: msg.text });
    assert.equal(sent.data?.[0], 250, JSON.stringify(sent));
    const [delivered] = await waitForMaildir(maildir('alice'), 1);
    assert.ok(delivered?.text.includes(msg.messageId));
    const [file] = await waitForMaildir(maildir('success'), 1);
    const dsn = await parseDsn(file?.text ?? '');
    assert.equal(dsn.reportType, 'delivery-status');
    assert.match(dsn.subject ?? '', /Success/);
    assert.equal(dsn.recipients.length, 1);
    const r = dsn.recipients[0] ?? {};
    assert.match(unfold(r['final-recipient']), /^rfc822; ?alice@local\.test$/);
    assert.equal(unfold(r.action), 'delivered');
    assert.match(unfold(r.status), /^2\.\d{1,3}\.\d{1,3}$/);
    assert.equal(dsn.returnedMessageId, msg.messageId);
    assert.equal((await settledMaildir(maildir('success'))).length, 1, 'one notice');
  });

  test('NOTIFY=SUCCESS for a remote recipient relayed to a next hop without DSN: the sender gets a DSN with Action: relayed', async () => {
    const from = 'relay@local.test';
    const msg = testMessage(from, 'bob@remote.test', 'success, relayed');
    const sent = await pySend({ port, mail_from: from, rcpts: [{ to: 'bob@remote.test', options: ['NOTIFY=SUCCESS'] }], data: msg.text });
    assert.equal(sent.data?.[0], 250, JSON.stringify(sent));
    const [file] = await waitForMaildir(maildir('relay'), 1);
    const rcpt = sink.sessions.flatMap((s) => s.commands).find((c) => /^RCPT TO:<bob@remote\.test>/i.test(c));
    assert.ok(rcpt, 'the next hop got the recipient');
    assert.doesNotMatch(rcpt, /NOTIFY=/i, 'no NOTIFY to a next hop that does not offer DSN');
    const dsn = await parseDsn(file?.text ?? '');
    assert.equal(dsn.reportType, 'delivery-status');
    assert.equal(dsn.recipients.length, 1);
    const r = dsn.recipients[0] ?? {};
    assert.match(unfold(r['final-recipient']), /^rfc822; ?bob@remote\.test$/);
    assert.equal(unfold(r.action), 'relayed', 'RFC 3464 §2.3.3: handed to an MTA that does not report on it');
    assert.match(unfold(r.status), /^2\.\d{1,3}\.\d{1,3}$/);
    assert.match(unfold(r['remote-mta']), /^dns; ?127\.0\.0\.1$/);
    assert.equal(dsn.returnedMessageId, msg.messageId);
    assert.equal((await settledMaildir(maildir('relay'))).length, 1, 'one notice');
  });
});

/**
 * RFC 3461 §5.2.2: a next hop that offers DSN and takes NOTIFY=SUCCESS on
 * reports the success itself; a "relayed" notice from us as well would tell
 * the sender twice, once wrongly (the seams issue's core fixes).
 */
describe('success notices handed over to a DSN-capable next hop', { timeout: 60_000 }, () => {
  test('NOTIFY=SUCCESS goes on to the next hop, and the sender gets no notice from us', async () => {
    const sink = await startScriptedSink({ extensions: ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', 'DSN'] });
    const b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}' },
        routes: [{ domains: ['dsn.test'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        delivery: { siteBackoff: '0s' },
      },
    });
    try {
      const from = 'passed@local.test';
      const msg = testMessage(from, 'carol@dsn.test', 'success, passed on');
      const sent = await pySend({ port: b.ports.mx as number, mail_from: from, rcpts: [{ to: 'carol@dsn.test', options: ['NOTIFY=SUCCESS'] }], data: msg.text });
      const id = /queued as (\S+)/.exec(sent.data?.[1] ?? '')?.[1] ?? '';
      assert.ok(id, JSON.stringify(sent));
      // Once delivered, a message that owes no notice leaves the queue in the
      // same commit; one that owed a notice would stay for the finisher.
      const gone = await waitFor(`${id} delivered and gone`, async () => {
        const shown = JSON.parse((await b.cli(['queue', 'show', id, '--json'])).stdout) as { inQueue: boolean; timeline: { type: string; noticePassedOn?: boolean }[] };
        return shown.inQueue ? undefined : shown;
      });
      const delivered = gone.timeline.find((e) => e.type === 'delivered');
      assert.equal(delivered?.noticePassedOn, true, `the timeline says the notice went on: ${JSON.stringify(gone.timeline)}`);
      const rcpt = sink.sessions.flatMap((s) => s.commands).find((c) => /^RCPT TO:<carol@dsn\.test>/i.test(c));
      assert.match(rcpt ?? '', /NOTIFY=SUCCESS/, 'NOTIFY=SUCCESS was passed on');
      assert.equal((await queueList(b)).length, 0, 'no notice queued');
      assert.deepEqual(await maildirMessages(join(b.dir, 'mail', 'local.test', 'passed')), [], 'no notice delivered');
    } finally {
      await b.stop();
      await sink.stop();
    }
  });
});
