import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startBaton, type Baton } from '../helpers/baton.js';
import { startDovecot, type DovecotHandle } from '../helpers/deliver-dovecot.js';
import {
  entryOf,
  maildirMessages,
  parseDsn,
  sendVia,
  testMessage,
  unfold,
  waitFor,
  waitForMaildir,
  withoutOurReceived,
} from '../helpers/deliver-kit.js';

/**
 * Local delivery (issue 3, DESIGN §3 step 10): into Maildirs on disk, and over
 * LMTP (RFC 2033) to a real Dovecot, whose per-recipient answers after the
 * data decide delivered or bounced.
 */
describe('local delivery to Maildir', { timeout: 60_000 }, () => {
  let b: Baton;
  let port: number;
  const maildir = (user: string) => join(b.dir, 'mail', 'local.test', user);

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { maildir: 'mail/{domain}/{user}', mailboxes: ['alice@local.test', 'bob@local.test', 'carol@local.test', 'admin@local.test'] },
        aliases: { 'postmaster@local.test': ['admin@local.test'] },
      },
    });
    port = b.ports.mx as number;
  });
  after(() => b?.stop());

  test('a message for a local user is written to new/ with Return-Path and Delivered-To on top', async () => {
    const msg = testMessage('someone@remote.test', 'alice@local.test', 'maildir');
    const id = await sendVia(port, 'someone@remote.test', ['alice@local.test'], msg.text);
    const [file, ...more] = await waitForMaildir(maildir('alice'), 1);
    assert.equal(more.length, 0);
    const text = file?.text ?? '';
    const head = 'Return-Path: <someone@remote.test>\nDelivered-To: alice@local.test\n';
    assert.ok(text.startsWith(head), `starts with Return-Path and Delivered-To (RFC 5321 §4.4):\n${text.slice(0, 200)}`);
    // Maildir files are stored with LF line ends, as mail readers expect.
    assert.equal(withoutOurReceived(text.slice(head.length)), msg.text.replace(/\r\n/g, '\n'));
    assert.match(file?.name ?? '', /^\d+\.[^/]+$/, 'a unique Maildir file name (time.unique.host)');
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
  });

  test('one message for two local users lands in both Maildirs', async () => {
    const msg = testMessage('someone@remote.test', 'bob@local.test, carol@local.test', 'two users');
    await sendVia(port, 'someone@remote.test', ['bob@local.test', 'carol@local.test'], msg.text);
    for (const user of ['bob', 'carol']) {
      const [file] = await waitForMaildir(maildir(user), 1);
      assert.match(file?.text ?? '', new RegExp(`^Return-Path: <someone@remote\\.test>\\nDelivered-To: ${user}@local\\.test\\n`));
      assert.ok(file?.text.includes(msg.messageId));
    }
  });

  test('an alias delivers to its target: postmaster@local.test lands in admin\'s Maildir', async () => {
    const msg = testMessage('someone@remote.test', 'postmaster@local.test', 'alias');
    await sendVia(port, 'someone@remote.test', ['postmaster@local.test'], msg.text);
    const [file] = await waitForMaildir(maildir('admin'), 1, 8000);
    assert.ok(file?.text.includes(msg.messageId));
    assert.match(file?.text ?? '', /^Return-Path: <someone@remote\.test>\nDelivered-To: admin@local\.test\n/);
    assert.deepEqual(await maildirMessages(maildir('postmaster')), [], 'nothing in a Maildir named after the alias');
  });
});

describe('local delivery over LMTP to Dovecot', { timeout: 60_000 }, () => {
  let dc: DovecotHandle;
  let b: Baton;
  let port: number;

  before(async () => {
    dc = await startDovecot(['alice@lmtp.test', 'sender@lmtp.test']);
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['lmtp.test'],
        local: { lmtp: dc.address },
      },
    });
    port = b.ports.mx as number;
  });
  after(async () => {
    try {
      await b?.stop();
    } finally {
      await dc?.stop();
    }
  });

  test('a message for a Dovecot user is in that user\'s Maildir', async () => {
    const msg = testMessage('someone@remote.test', 'alice@lmtp.test', 'lmtp');
    const id = await sendVia(port, 'someone@remote.test', ['alice@lmtp.test'], msg.text);
    const [file] = await waitForMaildir(dc.maildir('alice@lmtp.test'), 1);
    const text = file?.text ?? '';
    assert.ok(text.includes(msg.messageId), 'the message is there');
    assert.match(text, /^Return-Path: <someone@remote\.test>\r?\n/m, 'Dovecot saw our envelope sender');
    assert.match(text, /^Received: from [^\n]*\n(?:[ \t][^\n]*\n)*?[ \t]*by baton\.test/m, 'our Received header is in it');
    const bodyStart = text.indexOf('\n\n') >= 0 ? text.indexOf('Hello.') : -1;
    assert.equal(text.slice(bodyStart).replace(/\r\n/g, '\n'), 'Hello.\n.a line that starts with a dot\ntrailing space \n\nlast line\n', 'body intact, dot unstuffed');
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
    assert.match(dc.output(), /lmtp\(alice@lmtp\.test\).*saved mail to INBOX/);
  });

  test('an unknown user gets 550 from Dovecot: that recipient bounces, the other is delivered, one DSN', async () => {
    const msg = testMessage('sender@lmtp.test', 'alice@lmtp.test, ghost@lmtp.test', 'lmtp unknown user');
    const id = await sendVia(port, 'sender@lmtp.test', ['alice@lmtp.test', 'ghost@lmtp.test'], msg.text);
    await waitFor('alice to get it', async () => (await maildirMessages(dc.maildir('alice@lmtp.test'))).some((f) => f.text.includes(msg.messageId)));
    // The DSN goes to sender@lmtp.test, a local domain: over LMTP into Dovecot too.
    const dsnFile = await waitFor('the DSN in the sender\'s Maildir', async () => {
      const files = await maildirMessages(dc.maildir('sender@lmtp.test'));
      return files.find((f) => f.text.includes(msg.messageId));
    }, 15_000, 200);
    const dsn = await parseDsn(dsnFile.text);
    assert.equal(dsn.contentType, 'multipart/report');
    assert.equal(dsn.reportType, 'delivery-status');
    assert.equal(dsn.recipients.length, 1, JSON.stringify(dsn.recipients));
    const r = dsn.recipients[0] ?? {};
    assert.match(unfold(r['final-recipient']), /^rfc822; ?ghost@lmtp\.test$/);
    assert.equal(unfold(r.action), 'failed');
    assert.equal(unfold(r.status), '5.1.1');
    assert.match(unfold(r['diagnostic-code']), /^smtp; ?550 5\.1\.1 .*User doesn't exist/);
    assert.equal(dsn.returnedMessageId, msg.messageId);
    await waitFor(`${id} to leave the queue`, async () => (await entryOf(b, id)) === undefined);
    assert.deepEqual(await maildirMessages(dc.maildir('ghost@lmtp.test')), []);
  });
});
