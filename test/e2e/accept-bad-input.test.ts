import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { undeliverable, queueBody, queueList, queuedId, startBaton, type Baton } from '../helpers/baton.js';
import { cmds, dialog, GREET_EHLO, replies, replyLines, utf8Bytes, type DialogStep } from '../helpers/clients.js';

/**
 * Hard input rules for message content (issue 2): end of data is only CRLF.CRLF,
 * bare CR/LF is rejected (SMTP smuggling, CVE-2023-51764 family) or normalised,
 * NUL, overlong lines, 8-bit data without 8BITMIME and non-ASCII addresses without
 * SMTPUTF8 are refused. Each: the right code, the session still usable, the server
 * alive, nothing half-stored.
 */

const TXN = cmds('MAIL FROM:<sender@remote.test>', 'RCPT TO:<user@local.test>', 'DATA');

/** Greeting, EHLO, MAIL, RCPT, DATA, then `body` (which must end the data), a NOOP and QUIT. */
function dataDialog(body: string, mailParams = ''): DialogStep[] {
  return [
    ...GREET_EHLO,
    ...cmds(`MAIL FROM:<sender@remote.test>${mailParams}`, 'RCPT TO:<user@local.test>', 'DATA'),
    { send: body },
    { read: true },
    ...cmds('NOOP', 'QUIT'),
  ];
}

async function baseConfig(extra: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  return {
    listeners: [{ role: 'mx' }],
    localDomains: ['local.test'],
    relay: { trustedNetworks: ['127.0.0.2/32'] },
    ...(await undeliverable()),
    limits: { lineLength: 1000 },
    ...extra,
  };
}

describe('bad message content is refused (bareLineEndings: reject)', { timeout: 180_000 }, () => {
  let b: Baton;
  let port: number;
  let queued = 0;

  before(async () => {
    b = await startBaton({ config: await baseConfig() });
    port = b.ports.mx as number;
  });
  after(() => b?.stop());

  /** The server is alive and the queue holds exactly the messages we got a 250 for. */
  async function assertClean(): Promise<void> {
    assert.ok(b.alive(), `baton died:\n${b.logs()}`);
    assert.equal((await queueList(b)).length, queued, 'nothing half-stored');
  }

  for (const [name, body] of [
    ['bare LF', 'Subject: lf\r\n\r\nline one\nline two\r\n.\r\n'],
    ['bare CR', 'Subject: cr\r\n\r\nline one\rline two\r\n.\r\n'],
    ['bare LF in a header', 'Subject: lf\nX-Other: 1\r\n\r\nbody\r\n.\r\n'],
  ] as const) {
    test(`${name} in DATA is rejected with 550 5.6.11 and nothing is queued`, async () => {
      const r = replies(await dialog(port, dataDialog(body)));
      assert.match(r[5] ?? '', /^550 5\.6\.11 /, r.join(' | '));
      assert.match(r[6] ?? '', /^250 /, 'the session goes on after the rejection');
      await assertClean();
    });
  }

  for (const [name, fakeEnd] of [
    ['<LF>.<LF>', '\n.\n'],
    ['<CR><LF>.<LF>', '\r\n.\n'],
    ['<LF>.<CR><LF>', '\n.\r\n'],
    ['<CR>.<CR>', '\r.\r'],
  ] as const) {
    test(`a smuggling attempt with ${name} as end of data yields one rejection and no second message`, async () => {
      const smuggled = `MAIL FROM:<evil@remote.test>\r\nRCPT TO:<victim@local.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nsmuggled\r\n.\r\n`;
      const ev = await dialog(port, [
        ...GREET_EHLO,
        ...TXN,
        { send: `Subject: outer\r\n\r\nouter${fakeEnd}${smuggled}NOOP\r\n` },
        { drain: 2 },
        ...cmds('QUIT'),
      ]);
      // One 550 5.6.11 for the outer message; then either the NOOP is answered
      // (the session went on) or the server closed the session (Postfix's
      // smtpd_forbid_bare_newline does the same). Never a reply to the smuggled commands.
      const drained = ev.find((e) => e.data !== undefined);
      const lines = replyLines(drained?.data ?? '');
      assert.match(lines[0] ?? '', /^550 5\.6\.11 /, lines.join(' | '));
      if (lines.length === 1) assert.equal(drained?.closed, true, 'no NOOP reply, so the session must be closed');
      else assert.deepEqual(lines.slice(1).map((l) => l.slice(0, 4)), ['250 '], lines.join(' | '));
      assert.ok(!(await queueList(b)).some((m) => m.recipients.some((x) => x.address === 'victim@local.test')));
      await assertClean();
    });
  }

  test('a message line longer than limits.lineLength is rejected with 552 5.6.0', async () => {
    const r = replies(await dialog(port, dataDialog(`Subject: long\r\n\r\n${'a'.repeat(1500)}\r\n.\r\n`)));
    assert.match(r[5] ?? '', /^552 5\.6\.0 /, r.join(' | '));
    assert.match(r[6] ?? '', /^250 /);
    await assertClean();
  });

  test('a line of exactly limits.lineLength bytes including CRLF is accepted', async () => {
    const r = replies(await dialog(port, dataDialog(`Subject: edge\r\n\r\n${'b'.repeat(998)}\r\n.\r\n`)));
    assert.match(r[5] ?? '', /^250 2\.0\.0 OK: queued as /, r.join(' | '));
    queued++;
    await assertClean();
  });

  test('a NUL byte in DATA is rejected with 554 5.6.0', async () => {
    const r = replies(await dialog(port, dataDialog('Subject: nul\r\n\r\na\u0000b\r\n.\r\n')));
    assert.match(r[5] ?? '', /^554 5\.6\.0 /, r.join(' | '));
    assert.match(r[6] ?? '', /^250 /);
    await assertClean();
  });

  test('a NUL byte in a command is refused with a 5xx', async () => {
    const r = replies(await dialog(port, [...GREET_EHLO, ...cmds('MAIL FROM:<a\u0000b@remote.test>', 'NOOP', 'QUIT')]));
    assert.match(r[2] ?? '', /^5\d\d /, r.join(' | '));
    await assertClean();
  });

  test('8-bit data without BODY=8BITMIME is rejected with 554 5.6.1', async () => {
    const r = replies(await dialog(port, dataDialog('Subject: 8bit\r\n\r\ncaf\u00e9\r\n.\r\n')));
    assert.match(r[5] ?? '', /^554 5\.6\.1 /, r.join(' | '));
    await assertClean();
  });

  test('8-bit data with BODY=8BITMIME is accepted and stored byte-exact', async () => {
    const body = 'Subject: 8bit ok\r\n\r\ncaf\u00e9 \u00ff\r\n';
    const r = replies(await dialog(port, dataDialog(`${body}.\r\n`, ' BODY=8BITMIME')));
    const id = queuedId(r[5] ?? '');
    assert.ok(id, r.join(' | '));
    queued++;
    const stored = await queueBody(b, id);
    assert.ok(stored?.subarray(stored.length - body.length).equals(Buffer.from(body, 'latin1')), 'bytes kept as sent');
    await assertClean();
  });

  test('a non-ASCII address without SMTPUTF8 is refused with 553 5.6.7, and accepted with it', async () => {
    const without = replies(await dialog(port, [...GREET_EHLO, ...cmds(utf8Bytes('MAIL FROM:<jürgen@remote.test>'), 'MAIL FROM:<a@remote.test>', utf8Bytes('RCPT TO:<jörg@local.test>'), 'QUIT')]));
    assert.match(without[2] ?? '', /^553 5\.6\.7 /, without.join(' | '));
    assert.match(without[4] ?? '', /^553 5\.6\.7 /, without.join(' | '));

    const ev = await dialog(port, [
      ...GREET_EHLO,
      ...cmds(utf8Bytes('MAIL FROM:<jürgen@remote.test> SMTPUTF8 BODY=8BITMIME'), utf8Bytes('RCPT TO:<jörg@local.test>'), 'DATA'),
      { send: utf8Bytes('Subject: grüße\r\n\r\nhallo\r\n.\r\n') },
      { read: true },
      ...cmds('QUIT'),
    ]);
    const r = replies(ev);
    assert.ok(r[0]?.includes('SMTPUTF8') || r[1]?.includes('SMTPUTF8'), 'SMTPUTF8 offered');
    assert.match(r[2] ?? '', /^250 /, r.join(' | '));
    assert.match(r[3] ?? '', /^250 /, r.join(' | '));
    const id = queuedId(r[5] ?? '');
    assert.ok(id, r.join(' | '));
    queued++;
    const entry = (await queueList(b)).find((m) => m.id === id);
    assert.equal(entry?.sender, 'jürgen@remote.test');
    assert.deepEqual(entry?.recipients.map((x) => x.address), ['jörg@local.test']);
    await assertClean();
  });

  test('dot-stuffed lines are unstuffed once and the body is stored byte-exact', async () => {
    const body = 'Subject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\u0020\r\nend\r\n';
    const wire = body.replace(/^\./gm, '..');
    const r = replies(await dialog(port, dataDialog(`${wire}.\r\n`)));
    const id = queuedId(r[5] ?? '');
    assert.ok(id, r.join(' | '));
    queued++;
    const stored = (await queueBody(b, id))?.toString('latin1') ?? '';
    assert.ok(stored.endsWith(body), JSON.stringify(stored));
    await assertClean();
  });
});

describe('bare line endings with smtp.bareLineEndings: normalize', { timeout: 120_000 }, () => {
  let b: Baton;
  before(async () => {
    b = await startBaton({ config: await baseConfig({ smtp: { bareLineEndings: 'normalize' } }) });
  });
  after(() => b?.stop());

  test('a message with bare LF and bare CR is queued with CRLF line endings', async () => {
    const r = replies(await dialog(b.ports.mx as number, dataDialog('Subject: legacy\nX-A: 1\r\n\r\nline one\nline two\rline three\r\n.\r\n')));
    const id = queuedId(r[5] ?? '');
    assert.ok(id, r.join(' | '));
    const stored = (await queueBody(b, id))?.toString('latin1') ?? '';
    assert.ok(stored.endsWith('Subject: legacy\r\nX-A: 1\r\n\r\nline one\r\nline two\r\nline three\r\n'), JSON.stringify(stored));
    assert.ok(!/[^\r]\n|\r(?!\n)/.test(stored), 'no bare CR or LF is stored');
  });

  test('a smuggling attempt with <LF>.<LF> never yields a second message', async () => {
    const before = (await queueList(b)).length;
    const ev = await dialog(b.ports.mx as number, [
      ...GREET_EHLO,
      ...TXN,
      { send: 'Subject: outer\r\n\r\nouter\n.\nMAIL FROM:<evil@remote.test>\r\nRCPT TO:<victim@local.test>\r\nDATA\r\nsmuggled\r\n.\r\nNOOP\r\n' },
      { drain: 2 },
      ...cmds('QUIT'),
    ]);
    // Either the whole text is one message for the original recipient, or the
    // fake end is refused (550 5.6.11) and the session closed; never two messages.
    const drained = ev.find((e) => e.data !== undefined);
    const lines = replyLines(drained?.data ?? '');
    const after = await queueList(b);
    if (/^250 /.test(lines[0] ?? '')) {
      assert.match(lines[0] ?? '', /^250 2\.0\.0 OK: queued as /);
      assert.deepEqual(lines.slice(1).map((l) => l.slice(0, 4)), ['250 '], lines.join(' | '));
      assert.equal(after.length, before + 1);
    } else {
      assert.match(lines[0] ?? '', /^550 5\.6\.11 /, lines.join(' | '));
      assert.equal(drained?.closed, true);
      assert.equal(after.length, before);
    }
    assert.ok(b.alive());
    assert.ok(!after.some((m) => m.recipients.some((x) => x.address === 'victim@local.test')));
  });
});
