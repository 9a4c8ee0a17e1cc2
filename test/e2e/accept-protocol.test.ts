import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { undeliverable, queueList, startBaton, type Baton } from '../helpers/baton.js';
import { cmds, dialog, GREET_EHLO, replies, replyLines } from '../helpers/clients.js';

/**
 * Protocol-order rules (issue 2): a client that talks before the greeting is
 * dropped; pipelining without PIPELINING offered (after HELO) and message text
 * before the 354 are refused; commands pipelined after STARTTLS are discarded
 * (CVE-2011-0411, RFC 3207 §4.2 and RFC 2920 §3.1).
 */
describe('protocol-order rules on mx', { timeout: 120_000 }, () => {
  let b: Baton;
  let port: number;

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        // The pregreet test needs a pause before the greeting (Postfix postscreen's
        // pregreet test); with 0 a client cannot talk "too soon".
        limits: { greetingDelay: '1s' },
        ...(await undeliverable()),
      },
    });
    port = b.ports.mx as number;
  });
  after(() => b?.stop());

  async function assertAliveAndEmpty(): Promise<void> {
    assert.ok(b.alive(), `baton died:\n${b.logs()}`);
    const r = replies(await dialog(port, [...GREET_EHLO, ...cmds('QUIT')]));
    assert.match(r[0] ?? '', /^220 /);
    assert.equal((await queueList(b)).length, 0, 'nothing was queued');
  }

  test('a client that talks before the greeting gets 554 5.5.0 and is disconnected', async () => {
    const ev = await dialog(port, [{ send: 'EHLO early.test\r\n' }, { expect_close: 15 }]);
    const end = ev.find((e) => e.closed !== undefined);
    assert.equal(end?.closed, true, `connection not closed: ${JSON.stringify(ev)}`);
    const lines = replyLines(end?.data ?? '');
    assert.ok(lines.some((l) => /^554 5\.5\.0 /.test(l)), `no 554 5.5.0: ${lines.join(' | ')}`);
    assert.ok(!lines.some((l) => /^250[ -]/.test(l)), `the early EHLO was answered: ${lines.join(' | ')}`);
    await assertAliveAndEmpty();
  });

  test('HELO does not offer PIPELINING, so a pipelined MAIL+RCPT after HELO is refused with 554 5.5.0', async () => {
    const ev = await dialog(port, [
      { read: true },
      ...cmds('HELO client.test'),
      { send: 'MAIL FROM:<a@remote.test>\r\nRCPT TO:<user@local.test>\r\nDATA\r\n' },
      { drain: 2 },
    ]);
    const lines = replyLines(ev.find((e) => e.data !== undefined)?.data ?? '');
    assert.ok(lines.some((l) => /^554 5\.5\.0 /.test(l)), lines.join(' | '));
    assert.ok(!lines.some((l) => /^250 2\.1\.5 /.test(l) || /^354 /.test(l)), `pipelined commands were obeyed: ${lines.join(' | ')}`);
    await assertAliveAndEmpty();
  });

  test('EHLO offers PIPELINING and a pipelined MAIL+RCPT+DATA group is answered in order', async () => {
    const ev = await dialog(port, [
      ...GREET_EHLO,
      { send: 'MAIL FROM:<a@remote.test>\r\nRCPT TO:<user@local.test>\r\nRCPT TO:<other@local.test>\r\nDATA\r\n' },
      { read: true }, { read: true }, { read: true }, { read: true },
      ...cmds('RSET', 'QUIT'),
    ]);
    const r = replies(ev);
    assert.ok(r[1]?.includes('PIPELINING'), r[1]);
    assert.match(r[2] ?? '', /^250 /);
    assert.match(r[3] ?? '', /^250 /);
    assert.match(r[4] ?? '', /^250 /);
    assert.match(r[5] ?? '', /^354 /, r.join(' | '));
  });

  test('message text sent before the 354 is refused with 554 5.5.0 and not queued', async () => {
    const ev = await dialog(port, [
      ...GREET_EHLO,
      { send: 'MAIL FROM:<a@remote.test>\r\nRCPT TO:<user@local.test>\r\nDATA\r\nSubject: early\r\n\r\nbody\r\n.\r\n' },
      { drain: 2 },
    ]);
    const data = ev.find((e) => e.data !== undefined)?.data ?? '';
    const lines = replyLines(data);
    assert.ok(lines.some((l) => /^554 5\.5\.0 /.test(l)), lines.join(' | '));
    assert.doesNotMatch(data, /queued as/);
    await assertAliveAndEmpty();
  });

  test('commands pipelined after STARTTLS are discarded, not answered inside TLS (CVE-2011-0411)', async () => {
    const ev = await dialog(port, [
      ...GREET_EHLO,
      { send: 'STARTTLS\r\nNOOP\r\n' },
      { read: true },
      { starttls: true },
      { drain: 1.5 },
      ...cmds('EHLO client.test', 'NOOP', 'QUIT'),
    ]);
    const r = replies(ev);
    assert.match(r[2] ?? '', /^220 2\.0\.0 /, JSON.stringify(ev));
    assert.ok(ev.some((e) => e.tls), `handshake failed: ${JSON.stringify(ev)}`);
    assert.equal(ev.find((e) => e.unread_before_tls)?.unread_before_tls, undefined, 'the NOOP was answered in the clear');
    const drained = ev.find((e) => e.data !== undefined);
    assert.equal(drained?.data, '', `the injected NOOP was answered inside TLS: ${JSON.stringify(drained)}`);
    assert.match(r[3] ?? '', /^250[ -]/, 'EHLO inside TLS works');
    assert.match(r[4] ?? '', /^250 /);
    await assertAliveAndEmpty();
  });

  test('STARTTLS is refused with 503 inside TLS and RSET/NOOP/VRFY/HELP get their catalogue replies', async () => {
    const r = replies(await dialog(port, [
      ...GREET_EHLO, ...cmds('STARTTLS'), { starttls: true }, ...cmds('EHLO client.test', 'STARTTLS', 'RSET', 'NOOP', 'VRFY user@local.test', 'HELP', 'QUIT'),
    ]));
    assert.match(r[4] ?? '', /^503 5\.5\.1 /, r.join(' | '));
    assert.match(r[5] ?? '', /^250 /);
    assert.match(r[6] ?? '', /^250 /);
    assert.match(r[7] ?? '', /^252 /);
    assert.match(r[8] ?? '', /^214/);
    assert.match(r[9] ?? '', /^221 /);
  });

  test('commands out of order get 503 5.5.1', async () => {
    const r = replies(await dialog(port, [
      { read: true }, ...cmds('MAIL FROM:<a@remote.test>', 'EHLO client.test', 'RCPT TO:<user@local.test>', 'DATA', 'MAIL FROM:<a@remote.test>', 'MAIL FROM:<b@remote.test>', 'DATA', 'QUIT'),
    ]));
    assert.match(r[1] ?? '', /^503 5\.5\.1 /, r.join(' | '));
    assert.match(r[3] ?? '', /^503 5\.5\.1 /);
    assert.match(r[4] ?? '', /^503 5\.5\.1 /);
    assert.match(r[5] ?? '', /^250 /);
    assert.match(r[6] ?? '', /^503 5\.5\.1 /);
    assert.match(r[7] ?? '', /^503 5\.5\.1 /);
  });
});
