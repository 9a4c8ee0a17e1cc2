import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBaton, type Baton } from '../helpers/baton.js';
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
} from '../helpers/deliver-kit.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';

/**
 * Smarthost routes (issue 3): AUTH over required TLS, required TLS refused by
 * a server without STARTTLS, per-recipient failure with an RFC 3464 DSN read
 * back by Python's `email` package, and connection reuse. The peers are
 * scripted SMTP servers on loopback that record every command.
 */
describe('delivery through smarthost routes', { timeout: 90_000 }, () => {
  let secure: ScriptedSink;
  let plain: ScriptedSink;
  let partial: ScriptedSink;
  let reuse: ScriptedSink;
  let b: Baton;
  let port: number;
  const sender = 'sender@local.test';
  const creds = { user: 'relayuser', pass: 's3cret pass' };

  before(async () => {
    secure = await startScriptedSink({
      extensions: ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', 'STARTTLS'],
      tls: 'self-signed',
      auth: creds,
    });
    plain = await startScriptedSink({ extensions: ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES'] });
    partial = await startScriptedSink({
      reply: (e) => (e.command === 'RCPT' && e.arg.includes('<nobody') ? `550 5.1.1 ${/<[^>]*>/.exec(e.arg)?.[0] ?? ''}: Recipient address rejected` : undefined),
    });
    reuse = await startScriptedSink();
    const at = (s: ScriptedSink) => `127.0.0.1:${s.port}`;
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}' },
        routes: [
          { domains: ['secure.test'], smarthost: at(secure), auth: creds, tls: 'required' },
          { domains: ['notls.test'], smarthost: at(plain), auth: creds, tls: 'required' },
          { domains: ['partial.test'], smarthost: at(partial), tls: 'none' },
          { domains: ['reuse.test'], smarthost: at(reuse) },
        ],
        delivery: { connectionIdle: '5s' },
      },
    });
    port = b.ports.mx as number;
  });
  after(async () => {
    try {
      await b?.stop();
    } finally {
      for (const s of [secure, plain, partial, reuse]) await s?.stop();
    }
  });

  test('AUTH over required TLS: STARTTLS, then AUTH, then the message, byte-exact', async () => {
    const msg = testMessage(sender, 'user@secure.test', 'smarthost TLS+AUTH');
    const id = await sendVia(port, sender, ['user@secure.test'], msg.text);
    const session = await waitFor('the message at the smarthost', () => secure.sessions.find((s) => s.messages.length > 0), 10_000);
    const verbs = session.commands.map((c) => c.split(' ')[0]?.toUpperCase());
    const iTls = verbs.indexOf('STARTTLS');
    const iAuth = verbs.indexOf('AUTH');
    const iMail = verbs.indexOf('MAIL');
    assert.ok(iTls >= 0 && iAuth > iTls && iMail > iAuth, `order STARTTLS < AUTH < MAIL: ${JSON.stringify(verbs)}`);
    assert.equal(verbs[iTls + 1], 'EHLO', 'EHLO again after STARTTLS (RFC 3207 §4.2)');
    assert.equal(session.tls, true);
    assert.equal(session.authenticatedAs, creds.user);
    const m = session.messages[0];
    assert.equal(m?.mailFrom, sender);
    assert.deepEqual(m?.recipients, ['user@secure.test']);
    assert.equal(withoutOurReceived(m?.data.toString('latin1') ?? ''), msg.text, 'byte-exact apart from our Received header');
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
  });

  test('required TLS with a server that offers no STARTTLS: deferred, nothing sent in clear', async () => {
    const msg = testMessage(sender, 'user@notls.test', 'required TLS refused');
    const id = await sendVia(port, sender, ['user@notls.test'], msg.text);
    const rcpt = await waitForAttempt(b, id, { timeoutMs: 10_000, intervalMs: 200 });
    assert.equal(rcpt.status, 'pending');
    const why = `${String(rcpt.raw.lastReply ?? '')} ${String(rcpt.raw.lastError ?? '')}`;
    assert.match(why, /TLS/i, 'the queue says why: no TLS');
    assert.ok(plain.sessions.length >= 1, 'Baton did connect');
    for (const s of plain.sessions) {
      const verbs = s.commands.map((c) => c.split(' ')[0]?.toUpperCase());
      for (const v of ['AUTH', 'MAIL', 'RCPT', 'DATA', 'BDAT']) assert.ok(!verbs.includes(v), `no ${v} in clear: ${JSON.stringify(s.commands)}`);
      assert.equal(s.messages.length, 0);
    }
    assert.ok(!plain.sessions.some((s) => s.commands.some((c) => c.includes(Buffer.from(`\0${creds.user}\0`).toString('base64')))), 'no credentials in clear');
    const dsns = await maildirMessages(join(b.dir, 'mail', 'local.test', 'sender'));
    assert.ok(!dsns.some((f) => f.text.includes('user@notls.test')), 'no bounce for a deferral');
  });

  test('one recipient refused with 550 5.1.1, one accepted: one delivered, one DSN for the refused one only', async () => {
    const msg = testMessage(sender, 'ok@partial.test, nobody@partial.test', 'partial failure');
    const id = await sendVia(port, sender, ['ok@partial.test', 'nobody@partial.test'], msg.text);
    const delivered = await waitFor('the message at the sink', () => partial.sessions.flatMap((s) => s.messages).find((m) => m.data.includes(msg.messageId)), 10_000);
    assert.deepEqual(delivered.recipients, ['ok@partial.test']);

    const maildir = join(b.dir, 'mail', 'local.test', 'sender');
    const files = await waitFor('the DSN', async () => {
      const all = await maildirMessages(maildir);
      const mine = all.filter((f) => f.text.includes(msg.messageId));
      return mine.length > 0 ? mine : undefined;
    }, 15_000, 200);
    assert.equal(files.length, 1, 'exactly one DSN');
    const raw = files[0]?.text ?? '';
    assert.match(raw, /^Return-Path: <>\r?\n/, 'a DSN has the null reverse-path (RFC 3464 §2, RFC 5321 §4.5.5)');
    const dsn = await parseDsn(raw);
    assert.deepEqual(dsn.defects, [], 'Python parses it without defects');
    assert.equal(dsn.contentType, 'multipart/report');
    assert.equal(dsn.reportType, 'delivery-status');
    assert.equal(dsn.partTypes[0], 'text/plain');
    assert.equal(dsn.partTypes[1], 'message/delivery-status');
    assert.ok(['message/rfc822', 'text/rfc822-headers'].includes(dsn.partTypes[2] ?? ''), `third part: ${dsn.partTypes[2]}`);
    assert.equal(dsn.returnedMessageId, msg.messageId);
    assert.match(unfold(dsn.to ?? ''), /sender@local\.test/);
    assert.match(unfold(dsn.perMessage['reporting-mta']), /^dns; ?baton\.test$/);
    assert.equal(dsn.recipients.length, 1, `only the refused recipient is listed: ${JSON.stringify(dsn.recipients)}`);
    const r = dsn.recipients[0] ?? {};
    assert.match(unfold(r['final-recipient']), /^rfc822; ?nobody@partial\.test$/);
    assert.equal(unfold(r.action), 'failed');
    assert.equal(unfold(r.status), '5.1.1');
    assert.match(unfold(r['diagnostic-code']), /^smtp; ?550 5\.1\.1 .*Recipient address rejected/);
    assert.match(unfold(r['remote-mta']), /^dns; ?127\.0\.0\.1$/);
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
  });

  test('a DSN is itself delivered locally (its sender is <>)', async () => {
    // This test's own bounce, told apart from the previous test's by its Message-ID. Another
    // address: the previous test's hard bounce put nobody@ on the suppression list.
    const msg = testMessage(sender, 'nobody-else@partial.test', 'bounce delivered locally');
    const id = await sendVia(port, sender, ['nobody-else@partial.test'], msg.text);
    const maildir = join(b.dir, 'mail', 'local.test', 'sender');
    const mine = await waitFor('the DSN for this message in the sender\'s Maildir', async () => {
      const all = await maildirMessages(maildir);
      return all.find((f) => f.text.includes(msg.messageId));
    }, 15_000, 200);
    assert.match(mine.text, /^Return-Path: <>\r?\nDelivered-To: sender@local\.test\r?\n/, mine.text.slice(0, 300));
    const dsn = await parseDsn(mine.text);
    assert.equal(dsn.returnedMessageId, msg.messageId);
    assert.match(unfold(dsn.recipients[0]?.['final-recipient']), /^rfc822; ?nobody-else@partial\.test$/);
    // Delivered here, not handed to any smarthost.
    for (const s of [secure, plain, partial, reuse]) {
      assert.ok(!s.sessions.some((x) => x.messages.some((m) => m.mailFrom === '' && m.data.includes(msg.messageId))), `no DSN at ${s.port}`);
    }
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
  });

  test('messages to one destination share a connection', async () => {
    const n = 6;
    const msgs = Array.from({ length: n }, (_, i) => testMessage(sender, `r${i}@reuse.test`, `reuse ${i}`));
    for (const [i, m] of msgs.entries()) await sendVia(port, sender, [`r${i}@reuse.test`], m.text);
    await waitFor(`${n} messages at the sink`, () => (reuse.sessions.flatMap((s) => s.messages).length >= n ? true : undefined), 10_000);
    const perSession = reuse.sessions.map((s) => s.messages.length);
    assert.ok(reuse.sessions.length < n, `${n} messages over ${reuse.sessions.length} connections: ${JSON.stringify(perSession)}`);
    assert.ok(Math.max(...perSession) >= 2, 'some connection carried more than one message');
    // Reuse goes through RSET-free transactions or RSET: either way each session saw one EHLO.
    for (const s of reuse.sessions) assert.equal(s.commands.filter((c) => /^EHLO /i.test(c)).length, 1);
  });
});
