import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { undeliverable, queueBody, queueList, queuedId, startBaton, type Baton } from '../helpers/baton.js';
import { dialog, pySend, replyText, runCommand, swaks } from '../helpers/clients.js';

/**
 * Relay access on an mx listener (issue 2): local and relay domains from anyone,
 * foreign domains only from trusted networks; open-relay tricks never relay.
 * 127.0.0.1 is an untrusted client here, 127.0.0.2 a trusted one.
 */
describe('accepting mail on mx: relay access', { timeout: 180_000 }, () => {
  let b: Baton;
  let port: number;
  /** Messages the trusted client sent: they may relay. */
  const trustedIds = new Set<string>();

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        relayDomains: ['relay.test'],
        relay: { trustedNetworks: ['127.0.0.2/32'] },
        ...(await undeliverable()),
      },
    });
    port = b.ports.mx as number;
  });
  after(() => b?.stop());

  test('mail for a local domain from an untrusted client is queued byte-exact under a Received header (swaks)', async () => {
    const body = 'From: sender@remote.test\r\nTo: user@local.test\r\nSubject: swaks local\r\n\r\nHello from swaks.\r\nSecond line.\r\n';
    const file = join(b.dir, 'swaks-body.eml');
    // swaks ends the data with CRLF.CRLF itself, so the file leaves out the last CRLF.
    await writeFile(file, body.slice(0, -2));
    const r = await swaks(port, ['--from', 'sender@remote.test', '--to', 'user@local.test', '--data', `@${file}`]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const id = queuedId(r.stdout);
    assert.ok(id, `no "queued as" in swaks transcript:\n${r.stdout}`);
    assert.match(r.stdout, /<- {1,2}250 2\.0\.0 OK: queued as /);

    const entry = (await queueList(b)).find((m) => m.id === id);
    assert.ok(entry, `queue id ${id} not in queue list`);
    assert.equal(entry.sender, 'sender@remote.test');
    assert.deepEqual(entry.recipients.map((x) => x.address), ['user@local.test']);

    const stored = await queueBody(b, id);
    assert.ok(stored, 'no stored body');
    const text = stored.toString('latin1');
    assert.ok(text.endsWith(body), `stored message does not end with the exact body:\n${JSON.stringify(text)}`);
    const added = text.slice(0, text.length - body.length);
    assert.match(added, /^Received: from /, 'a Received header is added on top');
    assert.match(added, /by baton\.test/);
    assert.match(added, new RegExp(`id ${id}`));
    assert.ok(!/[^\r]\n|\r(?!\n)/.test(text), 'stored message uses CRLF only');
    assert.equal(entry.size, stored.length, 'size in queue list is the stored size');
  });

  test('mail for a relay domain from an untrusted client is accepted (curl)', async () => {
    const file = join(b.dir, 'curl-body.eml');
    await writeFile(file, 'Subject: curl relay domain\r\n\r\nvia curl\r\n');
    const r = await runCommand('curl', [
      '-sS', '--max-time', '20', `smtp://127.0.0.1:${port}/client.test`,
      '--mail-from', 'someone@remote.test', '--mail-rcpt', 'box@relay.test', '-T', file, '-v',
    ]);
    assert.equal(r.code, 0, r.stderr);
    const id = queuedId(r.stderr);
    assert.ok(id, `no queue id in curl trace:\n${r.stderr}`);
    const entry = (await queueList(b)).find((m) => m.id === id);
    assert.deepEqual(entry?.recipients.map((x) => x.address), ['box@relay.test']);
  });

  test('RCPT for a foreign domain from an untrusted client is rejected with 554 5.7.1 (smtplib)', async () => {
    const before = (await queueList(b)).length;
    const r = await pySend({
      port,
      mail_from: 'spammer@remote.test',
      rcpts: [{ to: 'victim@foreign.test' }],
      data: 'Subject: relay attempt\r\n\r\nno\r\n',
    });
    assert.equal(r.mail?.[0], 250, JSON.stringify(r));
    assert.equal(r.rcpts?.[0]?.[0], 554, JSON.stringify(r));
    assert.match(r.rcpts?.[0]?.[1] ?? '', /^5\.7\.1 /);
    assert.equal(r.data, undefined, 'no DATA without an accepted recipient');
    assert.equal((await queueList(b)).length, before);
  });

  test('curl relaying to a foreign domain from an untrusted client fails with 554', async () => {
    const file = join(b.dir, 'curl-relay.eml');
    await writeFile(file, 'Subject: x\r\n\r\nx\r\n');
    const r = await runCommand('curl', [
      '-sS', '--max-time', '20', `smtp://127.0.0.1:${port}`, '--mail-from', 'a@remote.test', '--mail-rcpt', 'b@foreign.test', '-T', file, '-v',
    ]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /< 554 5\.7\.1/);
  });

  test('RCPT for a foreign domain from a trusted network is accepted and queued (swaks from 127.0.0.2)', async () => {
    const r = await swaks(port, ['--local-interface', '127.0.0.2', '--from', 'app@local.test', '--to', 'friend@foreign.test']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const id = queuedId(r.stdout);
    assert.ok(id, r.stdout);
    trustedIds.add(id);
    const entry = (await queueList(b)).find((m) => m.id === id);
    assert.deepEqual(entry?.recipients.map((x) => x.address), ['friend@foreign.test']);
  });

  test('a trusted client may mix local and foreign recipients in one message (smtplib from 127.0.0.2)', async () => {
    const r = await pySend({
      port,
      source: '127.0.0.2',
      mail_from: 'app@local.test',
      rcpts: [{ to: 'a@local.test' }, { to: 'b@foreign.test' }],
      data: 'Subject: mixed\r\n\r\nmixed\r\n',
    });
    assert.deepEqual(r.rcpts?.map((x) => x[0]), [250, 250], JSON.stringify(r));
    const id = queuedId(r.data?.[1] ?? '');
    assert.ok(id, JSON.stringify(r));
    trustedIds.add(id);
    const entry = (await queueList(b)).find((m) => m.id === id);
    assert.deepEqual(entry?.recipients.map((x) => x.address).sort(), ['a@local.test', 'b@foreign.test']);
  });

  // Each trick either is refused, or is accepted only as a mailbox of local.test.
  const tricks: readonly [string, string][] = [
    ['%-hack', 'user%foreign.test@local.test'],
    ['source route', '@local.test:user@foreign.test'],
    ['source route with two hops', '@local.test,@foreign.test:user@foreign.test'],
    ['bang path', 'foreign.test!user@local.test'],
    ['quoted local part holding an address', '"user@foreign.test"@local.test'],
    ['%-hack in a quoted local part', '"user%foreign.test"@local.test'],
    ['trailing dot on a foreign domain', 'user@foreign.test.'],
    ['IP literal of this host', 'user@[127.0.0.1]'],
    ['IPv6 literal', 'user@[IPv6:::1]'],
    ['foreign domain that ends like a local one', 'user@notlocal.test'],
    ['local domain as a subdomain of a foreign one', 'user@local.test.foreign.test'],
  ];
  for (const [name, rcpt] of tricks) {
    test(`open-relay trick (${name}: <${rcpt}>) from an untrusted client never relays`, async () => {
      const events = await dialog(port, [
        { read: true },
        { send: 'EHLO client.test\r\n' },
        { read: true },
        { send: 'MAIL FROM:<probe@remote.test>\r\n' },
        { read: true },
        { send: `RCPT TO:<${rcpt}>\r\n` },
        { read: true },
        { send: 'DATA\r\n' },
        { read: true },
        { send: `Subject: trick ${name}\r\n\r\nprobe\r\n.\r\n` },
        { read: true },
        { send: 'QUIT\r\n' },
        { read: true },
      ]);
      const rcptReply = events.find((e) => e.step === 6)?.reply;
      assert.ok(rcptReply, JSON.stringify(events));
      if (rcptReply.code >= 200 && rcptReply.code < 300) {
        const id = queuedId(replyText(events.find((e) => e.step === 10)));
        assert.ok(id, `RCPT accepted but DATA not queued: ${JSON.stringify(events)}`);
        const entry = (await queueList(b)).find((m) => m.id === id);
        // Else the loop below checks nothing and passes.
        assert.ok(entry, `accepted <${rcpt}> as ${id}, but ${id} is not in the queue`);
        assert.ok(entry.recipients.length > 0, `${id} has no recipients`);
        for (const r of entry.recipients) {
          const domain = r.address.slice(r.address.lastIndexOf('@') + 1);
          assert.equal(domain, 'local.test', `accepted <${rcpt}> was queued for ${r.address}`);
        }
      } else {
        assert.ok(rcptReply.code >= 500 && rcptReply.code < 600, `expected a 5xx, got ${rcptReply.lines.join(' | ')}`);
      }
    });
  }

  test('IP literals and trailing-dot foreign domains are refused outright', async () => {
    for (const rcpt of ['user@[127.0.0.1]', 'user@foreign.test.']) {
      const r = await dialog(port, [
        { read: true }, { send: 'EHLO client.test\r\n' }, { read: true },
        { send: 'MAIL FROM:<probe@remote.test>\r\n' }, { read: true },
        { send: `RCPT TO:<${rcpt}>\r\n` }, { read: true },
        { send: 'QUIT\r\n' }, { read: true },
      ]);
      const code = r.find((e) => e.step === 6)?.reply?.code ?? 0;
      assert.ok(code >= 500 && code < 600, `<${rcpt}>: ${replyText(r.find((e) => e.step === 6))}`);
    }
  });

  test('after all relay attempts nothing is queued for a non-local domain from the untrusted client', async () => {
    const entries = await queueList(b);
    assert.ok(entries.length > trustedIds.size, 'the untrusted client did queue local mail');
    for (const m of entries) {
      if (trustedIds.has(m.id)) continue; // the trusted client may relay
      for (const r of m.recipients) {
        const domain = r.address.slice(r.address.lastIndexOf('@') + 1);
        assert.ok(['local.test', 'relay.test'].includes(domain), `${m.id} queued for ${r.address}`);
      }
    }
    assert.ok(b.alive(), 'server still running');
  });
});
