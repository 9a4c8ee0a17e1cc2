import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queueShow, queuedId, startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { dialog, GREET_EHLO, replies, type DialogStep } from '../helpers/clients.js';
import { testMessage, waitForMaildir } from '../helpers/deliver-kit.js';

/**
 * RCPT rules of RFC 5321 the seams issue fixed: recipients past the limit are
 * flow control, not errors (§4.5.3.1.10), and "<Postmaster>" without a domain
 * is always accepted (§4.5.1).
 */
describe('recipients past the limit', { timeout: 120_000 }, () => {
  let b: Baton;
  before(async () => {
    b = await startBaton({ config: { listeners: [{ role: 'mx' }], localDomains: ['local.test'], ...(await undeliverable()) } });
  });
  after(() => b?.stop());

  test('a 1,100-recipient transaction gets 452 4.5.3 for the last 100, is not cut off, and DATA queues the 1,000 accepted', async () => {
    const rcpts = Array.from({ length: 1100 }, (_, i) => `RCPT TO:<u${i}@local.test>\r\n`).join('');
    const steps: DialogStep[] = [
      ...GREET_EHLO,
      // Pipelined (RFC 2920), as a mailing-list client sends them.
      { send: `MAIL FROM:<list@remote.test>\r\n${rcpts}DATA\r\n` },
      ...Array.from({ length: 1102 }, () => ({ read: true as const })),
      { send: 'Subject: many\r\n\r\nhello\r\n.\r\n' },
      { read: true },
      { send: 'QUIT\r\n' },
      { read: true },
    ];
    const r = replies(await dialog(b.ports.mx as number, steps, { timeoutMs: 90_000 }));
    const rcptReplies = r.slice(3, 3 + 1100);
    assert.equal(rcptReplies.filter((x) => x.startsWith('250 2.1.5')).length, 1000, 'the first 1,000 accepted');
    assert.ok(rcptReplies.slice(1000).every((x) => x.startsWith('452 4.5.3')), 'the rest get 452 4.5.3');
    assert.match(r[1103] ?? '', /^354 /, `DATA goes ahead: ${r.slice(1100, 1106).join(' | ')}`);
    const id = queuedId(r[1104] ?? '');
    assert.ok(id, `queued: ${r[1104]}`);
    assert.match(r[1105] ?? '', /^221 /, 'the session is still in good standing');
    const shown = (await queueShow(b, id)) as { recipients: unknown[] };
    assert.equal(shown.recipients.length, 1000);
  });
});

describe('<Postmaster> without a domain', { timeout: 60_000 }, () => {
  let b: Baton;
  const maildir = (user: string) => join(b.dir, 'mail', 'local.test', user);
  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test', 'other.test'],
        local: { maildir: 'mail/{domain}/{user}', mailboxes: ['alice@local.test', 'admin@local.test'] },
        aliases: { 'postmaster@local.test': ['admin@local.test'] },
        // Not a trusted client: the postmaster must be reachable by anyone.
        relay: { trustedNetworks: ['192.0.2.0/24'] },
      },
    });
  });
  after(() => b?.stop());

  test('is accepted from an untrusted client and delivered to the postmaster of the first local domain, through its alias', async () => {
    const msg = testMessage('someone@remote.test', 'postmaster', 'to the postmaster');
    const r = replies(
      await dialog(b.ports.mx as number, [
        ...GREET_EHLO,
        { send: 'MAIL FROM:<someone@remote.test>\r\n' },
        { read: true },
        { send: 'RCPT TO:<Postmaster>\r\n' },
        { read: true },
        { send: 'DATA\r\n' },
        { read: true },
        { send: `${msg.text}.\r\n` },
        { read: true },
        { send: 'QUIT\r\n' },
        { read: true },
      ]),
    );
    assert.match(r[3] ?? '', /^250 2\.1\.5 /, r.join(' | '));
    assert.ok(queuedId(r[5] ?? ''), r.join(' | '));
    const [file] = await waitForMaildir(maildir('admin'), 1);
    assert.ok(file?.text.includes(msg.messageId));
    assert.match(file?.text ?? '', /^Return-Path: <someone@remote\.test>\nDelivered-To: admin@local\.test\n/);
  });

  test('a relay-only node with no local domain answers 550 5.1.1: it has no postmaster mailbox', async () => {
    const relay = await startBaton({ config: { listeners: [{ role: 'mx' }], ...(await undeliverable()) } });
    try {
      const r = replies(await dialog(relay.ports.mx as number, [...GREET_EHLO, { send: 'MAIL FROM:<a@remote.test>\r\n' }, { read: true }, { send: 'RCPT TO:<postmaster>\r\n' }, { read: true }]));
      assert.match(r[3] ?? '', /^550 5\.1\.1 /, r.join(' | '));
    } finally {
      await relay.stop();
    }
  });
});
