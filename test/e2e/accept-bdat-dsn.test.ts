import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTransport } from 'nodemailer';
import { queueBody, queueList, queueShow, queuedId, startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { cmds, dialog, GREET_EHLO, pySend, replies } from '../helpers/clients.js';

/**
 * CHUNKING (BDAT, RFC 3030) and DSN parameters (RFC 3461: NOTIFY, ORCPT, RET,
 * ENVID) kept with the message and visible in `baton queue show ID --json`.
 */
/** The DSN data `queue show --json` keeps: the message's RET/ENVID and, per recipient, NOTIFY (sorted) and ORCPT. */
function dsnData(shown: Record<string, unknown>): { ret: unknown; envid: unknown; rcpts: Record<string, { notify: string[] | undefined; orcpt: unknown }> } {
  const params = (shown.params ?? {}) as Record<string, unknown>;
  const rcpts: Record<string, { notify: string[] | undefined; orcpt: unknown }> = {};
  for (const r of (shown.recipients ?? []) as Record<string, unknown>[]) {
    rcpts[String(r.address)] = { notify: r.notify === undefined ? undefined : [r.notify].flat().map(String).sort(), orcpt: r.orcpt };
  }
  return { ret: params.ret, envid: params.envid, rcpts };
}

describe('BDAT and DSN parameters', { timeout: 120_000 }, () => {
  let b: Baton;
  let port: number;

  before(async () => {
    b = await startBaton({
      config: { listeners: [{ role: 'mx' }], localDomains: ['local.test'], limits: { messageSize: '50k' }, ...(await undeliverable()) },
    });
    port = b.ports.mx as number;
  });
  after(() => b?.stop());

  test('EHLO offers CHUNKING, DSN, PIPELINING, 8BITMIME, SMTPUTF8 and ENHANCEDSTATUSCODES', async () => {
    const r = replies(await dialog(port, [...GREET_EHLO, ...cmds('QUIT')]));
    for (const ext of ['CHUNKING', 'DSN', 'PIPELINING', '8BITMIME', 'SMTPUTF8', 'ENHANCEDSTATUSCODES']) {
      assert.match(r[1] ?? '', new RegExp(`^250[- ]${ext}$`, 'm'), `${ext} missing: ${r[1]}`);
    }
  });

  test('a message sent in BDAT chunks with DSN parameters is queued byte-exact with its DSN data', async () => {
    const part1 = 'Subject: chunked\r\nX-Test: bdat\r\n\r\nfirst ch';
    const part2 = 'unk, then the\r\nsecond chunk ends here.\r\n.leading dot is not stuffed in BDAT\r\n';
    const ev = await dialog(port, [
      ...GREET_EHLO,
      ...cmds(
        'MAIL FROM:<sender@remote.test> RET=HDRS ENVID=QQ314159+2Bx',
        'RCPT TO:<user@local.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;orig+2Buser@local.test',
        'RCPT TO:<quiet@local.test> NOTIFY=NEVER',
      ),
      { send: `BDAT ${Buffer.byteLength(part1, 'latin1')}\r\n${part1}` },
      { read: true },
      { send: `BDAT ${Buffer.byteLength(part2, 'latin1')} LAST\r\n${part2}` },
      { read: true },
      ...cmds('QUIT'),
    ]);
    const r = replies(ev);
    assert.deepEqual(r.slice(2, 5).map((x) => x.slice(0, 3)), ['250', '250', '250'], r.join(' | '));
    assert.match(r[5] ?? '', /^250 2\.0\.0 /, r.join(' | '));
    const id = queuedId(r[6] ?? '');
    assert.ok(id, r.join(' | '));

    const stored = (await queueBody(b, id))?.toString('latin1') ?? '';
    assert.ok(stored.endsWith(part1 + part2), JSON.stringify(stored));
    assert.match(stored, /^Received: /);

    // Each recipient keeps its own NOTIFY and ORCPT; ENVID and ORCPT are xtext-decoded.
    assert.deepEqual(dsnData(await queueShow(b, id)), {
      ret: 'HDRS',
      envid: 'QQ314159+x',
      rcpts: {
        'user@local.test': { notify: ['DELAY', 'SUCCESS'], orcpt: 'rfc822;orig+user@local.test' },
        'quiet@local.test': { notify: ['NEVER'], orcpt: undefined },
      },
    });
  });

  test('pipelined BDAT chunks are each acknowledged and BDAT 0 LAST ends the message', async () => {
    const c1 = 'Subject: pipelined\r\n\r\n';
    const c2 = 'body\r\n';
    const ev = await dialog(port, [
      ...GREET_EHLO,
      { send: `MAIL FROM:<s@remote.test>\r\nRCPT TO:<user@local.test>\r\nBDAT ${c1.length}\r\n${c1}BDAT ${c2.length}\r\n${c2}BDAT 0 LAST\r\n` },
      { read: true }, { read: true }, { read: true }, { read: true }, { read: true },
      ...cmds('QUIT'),
    ]);
    const r = replies(ev);
    assert.deepEqual(r.slice(2, 7).map((x) => x.slice(0, 3)), ['250', '250', '250', '250', '250'], r.join(' | '));
    const id = queuedId(r[6] ?? '');
    assert.ok(id, r.join(' | '));
    assert.ok((await queueBody(b, id))?.toString('latin1').endsWith(c1 + c2));
  });

  test('DATA after BDAT in one transaction is refused with 503 5.5.1 and nothing is queued', async () => {
    const before = (await queueList(b)).length;
    const r = replies(await dialog(port, [
      ...GREET_EHLO,
      ...cmds('MAIL FROM:<s@remote.test>', 'RCPT TO:<user@local.test>'),
      { send: 'BDAT 5\r\nhello' }, { read: true },
      ...cmds('DATA', 'RSET', 'QUIT'),
    ]));
    assert.match(r[5] ?? '', /^503 5\.5\.1 /, r.join(' | '));
    assert.match(r[6] ?? '', /^250 /);
    assert.equal((await queueList(b)).length, before);
  });

  test('BDAT chunks over the size limit get 552 5.3.4 and nothing is queued', async () => {
    const before = (await queueList(b)).length;
    const big = `${'x'.repeat(98)}\r\n`.repeat(300); // 30 KB in short lines
    const r = replies(await dialog(port, [
      ...GREET_EHLO,
      ...cmds('MAIL FROM:<s@remote.test>', 'RCPT TO:<user@local.test>'),
      { send: `BDAT ${big.length}\r\n${big}` }, { read: true },
      { send: `BDAT ${big.length} LAST\r\n${big}` }, { read: true },
      ...cmds('NOOP', 'QUIT'),
    ]));
    assert.ok(r.slice(4, 6).some((x) => /^552 5\.3\.4 /.test(x)), r.join(' | '));
    assert.ok(!r.some((x) => /queued as/.test(x)), r.join(' | '));
    assert.equal((await queueList(b)).length, before);
    assert.ok(b.alive());
  });

  test('BDAT without MAIL gets 503 5.5.1 and the chunk is skipped, not run as commands', async () => {
    const chunk = 'QUIT\r\n';
    const r = replies(await dialog(port, [...GREET_EHLO, { send: `BDAT ${chunk.length}\r\n${chunk}` }, { read: true }, ...cmds('NOOP', 'QUIT')]));
    assert.match(r[2] ?? '', /^503 5\.5\.1 /, r.join(' | '));
    assert.match(r[3] ?? '', /^250 /, `the chunk's bytes were not taken as QUIT: ${r.join(' | ')}`);
  });

  test('DSN parameters from smtplib (mail_options/rcpt_options) are kept', async () => {
    const res = await pySend({
      port,
      mail_from: 'sender@remote.test',
      mail_options: ['RET=FULL', 'ENVID=py-envid-1'],
      rcpts: [{ to: 'user@local.test', options: ['NOTIFY=FAILURE', 'ORCPT=rfc822;user@local.test'] }],
      data: 'Subject: dsn py\r\n\r\nx\r\n',
    });
    const id = queuedId(res.data?.[1] ?? '');
    assert.ok(id, JSON.stringify(res));
    assert.deepEqual(dsnData(await queueShow(b, id)), {
      ret: 'FULL',
      envid: 'py-envid-1',
      rcpts: { 'user@local.test': { notify: ['FAILURE'], orcpt: 'rfc822;user@local.test' } },
    });
  });

  test('DSN options from nodemailer are kept', async () => {
    const t = createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const info = await t.sendMail({
      envelope: { from: 'sender@remote.test', to: ['user@local.test'] },
      raw: 'Subject: dsn nodemailer\r\n\r\nx\r\n',
      dsn: { id: 'nm-envid-7', return: 'headers', notify: ['success', 'failure'], recipient: 'sender@remote.test' },
    });
    t.close();
    const id = queuedId(info.response);
    assert.ok(id, info.response);
    const kept = dsnData(await queueShow(b, id));
    assert.equal(kept.ret, 'HDRS');
    assert.equal(kept.envid, 'nm-envid-7');
    // nodemailer sends an ORCPT of its own choosing; NOTIFY is what we asked for.
    assert.deepEqual(Object.keys(kept.rcpts), ['user@local.test']);
    assert.deepEqual(kept.rcpts['user@local.test']?.notify, ['FAILURE', 'SUCCESS']);
  });

  test('bad DSN parameter values are refused with 501 or 555', async () => {
    const r = replies(await dialog(port, [
      ...GREET_EHLO,
      ...cmds('MAIL FROM:<s@remote.test> RET=SOMETIMES', 'MAIL FROM:<s@remote.test>', 'RCPT TO:<user@local.test> NOTIFY=NEVER,SUCCESS', 'RCPT TO:<user@local.test> NOTIFY=MAYBE', 'QUIT'),
    ]));
    assert.match(r[2] ?? '', /^(501|555) 5\.5\.4 /, r.join(' | '));
    assert.match(r[3] ?? '', /^250 /);
    assert.match(r[4] ?? '', /^(501|555) 5\.5\.4 /, r.join(' | '));
    assert.match(r[5] ?? '', /^(501|555) 5\.5\.4 /, r.join(' | '));
  });
});
