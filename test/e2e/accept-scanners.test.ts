import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { queueBody, queueList, queuedId, startBaton, type Baton } from '../helpers/baton.js';
import { startClamd, TEST_SIGNATURE, TEST_VIRUS, type ClamdHandle } from '../helpers/clamd.js';
import { pySend, type SendResult } from '../helpers/clients.js';
import { freePorts } from '../helpers/free-port.js';
import { startRspamd, type RspamdHandle } from '../helpers/rspamd.js';
import { clamdScan } from '../../src/smtp/policy/checks/clamd-client.js';

/**
 * Content scanning on mx (issue 10): a real rspamd (Debian's, private
 * instance with the test rules of test/e2e/rspamd/) and a real clamd
 * (Debian's clamav-daemon, with a database built by sigtool) judge messages
 * sent by Python's smtplib from 127.0.0.2 (an outside client); 127.0.0.9 is
 * the only trusted network.
 */

const OUTSIDE = '127.0.0.2';
const TRUSTED = '127.0.0.9';
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';
const SCANNED_CHECKS = ['sender-ownership', 'relay-access', 'local-recipients', 'message-format', 'hop-limit', 'rspamd', 'clamav'];

let rspamd: RspamdHandle;
let clamd: ClamdHandle;
let b: Baton;

function message(subject: string, body = 'Hello.', extraHeader = ''): string {
  return `${extraHeader}From: sender@example.org\r\nTo: user@local.test\r\nSubject: ${subject}\r\nDate: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <${subject.replace(/\W+/g, '-')}@example.org>\r\n\r\n${body}\r\n`;
}

function send(to: Baton, data: string, source = OUTSIDE): Promise<SendResult> {
  return pySend({ port: to.ports.mx as number, source, ehlo: 'client.example.org', mail_from: 'sender@example.org', rcpts: [{ to: 'user@local.test' }, { to: 'other@local.test' }], data });
}

/** Sent and accepted: the stored message. */
async function stored(data: string, source = OUTSIDE): Promise<string> {
  const r = await send(b, data, source);
  assert.equal(r.data?.[0], 250, JSON.stringify(r));
  const id = queuedId(r.data?.[1] ?? '');
  assert.ok(id, JSON.stringify(r));
  return ((await queueBody(b, id)) ?? Buffer.alloc(0)).toString('latin1');
}

function header(msg: string): string {
  return msg.slice(0, msg.indexOf('\r\n\r\n') + 2);
}

function baseConfig(scanners: Record<string, unknown>): Record<string, unknown> {
  return {
    roles: ['inbound'],
    localDomains: ['local.test'],
    relay: { trustedNetworks: [`${TRUSTED}/32`] },
    checks: { mx: SCANNED_CHECKS },
    scanners,
    log: { level: 'debug' },
  };
}

before(async () => {
  const [r, c] = await Promise.allSettled([startRspamd(), startClamd({ streamMaxLength: '1M' })]);
  // Keep whichever started, so `after` stops it even when the other failed.
  if (r.status === 'fulfilled') rspamd = r.value;
  if (c.status === 'fulfilled') clamd = c.value;
  if (r.status === 'rejected') throw r.reason;
  if (c.status === 'rejected') throw c.reason;
  b = await startBaton({
    config: baseConfig({ rspamd: { url: rspamd.url }, clamav: { socket: clamd.socket } }),
    // The StreamMaxLength test: clamav fails closed, which logs at error level.
    expectedErrors: [/"check":"clamav".*size limit exceeded.*answering try-later/],
  });
});

after(async () => {
  await b?.stop();
  await Promise.all([rspamd?.stop(), clamd?.stop()]);
});

describe('rspamd (real rspamd over /checkv2)', () => {
  test('an ordinary message is accepted with rspamd\'s milter header and no X-Spam verdict', async () => {
    const msg = await stored(message('quarterly figures'));
    assert.match(header(msg), /^X-Spamd-Result: default: False \[/m, 'rspamd\'s milter.add_headers applied');
    assert.doesNotMatch(header(msg), /^X-Spam: /m);
    // rspamd was told the envelope: both recipients, the client and its HELO.
    assert.match(b.logs(), /"check":"rspamd".*"action":"no action"/);
  });

  test('GTUBE is rejected with 554 5.7.1 naming no rule; nothing is queued', async () => {
    const before = (await queueList(b)).length;
    const r = await send(b, message('offer', GTUBE));
    assert.equal(r.data?.[0], 554, JSON.stringify(r));
    assert.match(r.data?.[1] ?? '', /^5\.7\.1 Message rejected as spam$/);
    assert.equal((await queueList(b)).length, before);
    assert.match(b.logs(), /"check":"rspamd".*"action":"reject".*"GTUBE"/, 'the rule is in the log');
  });

  test('add header: X-Spam fields are added and the ones the sender forged are removed', async () => {
    const msg = await stored(message('baton-add-header please', 'Hello.', 'X-Spam: No\r\nX-Spam-Score: -100\r\n'));
    const h = header(msg);
    assert.match(h, /^X-Spam: Yes\r$/m);
    assert.match(h, /^X-Spam-Score: 2\d\.\d\d \/ 50\.00\r$/m);
    assert.match(h, /^X-Spam-Status: Yes, score=2\d\.\d\d required=50\.00 action="add header"\r$/m);
    assert.doesNotMatch(h, /^X-Spam: No/m, 'the forged field is gone');
    assert.doesNotMatch(h, /^X-Spam-Score: -100/m);
    assert.match(h, /^X-Spamd-Result: .*\r\n\tBATON_TEST_ADD_HEADER\(20\.00\)/m, 'rspamd\'s folded field kept its folds');
  });

  test('soft reject is deferred with 451 4.7.1', async () => {
    const r = await send(b, message('baton-soft-reject now'));
    assert.equal(r.data?.[0], 451, JSON.stringify(r));
    assert.match(r.data?.[1] ?? '', /^4\.7\.1 /);
  });

  test('a trusted client is not scanned: GTUBE and the test virus from 127.0.0.9 are accepted', async () => {
    const msg = await stored(message('trusted app', `${GTUBE}\r\n${TEST_VIRUS}`), TRUSTED);
    assert.doesNotMatch(header(msg), /X-Spamd-Result/);
  });
});

describe('clamav (real clamd over INSTREAM)', () => {
  test('a message carrying the test signature is rejected with 554 5.7.1; the signature is logged, not told', async () => {
    const r = await send(b, message('invoice', `Please see below.\r\n${TEST_VIRUS}\r\nThanks.`));
    assert.equal(r.data?.[0], 554, JSON.stringify(r));
    assert.equal(r.data?.[1], '5.7.1 Message content rejected');
    assert.match(b.logs(), new RegExp(`"signature":"${TEST_SIGNATURE.replace(/\./g, '\\.')}[^"]*"`));
  });

  test('the client speaks INSTREAM over TCP as well as the unix socket (clamd\'s TCPSocket)', async () => {
    assert.deepEqual(await clamdScan(clamd.tcp, Buffer.from(`Subject: x\r\n\r\n${TEST_VIRUS}\r\n`), 10_000), { kind: 'infected', signature: `${TEST_SIGNATURE}.UNOFFICIAL` });
    assert.deepEqual(await clamdScan(clamd.tcp, Buffer.from('Subject: x\r\n\r\nclean\r\n'), 10_000), { kind: 'clean' });
  });

  test('a message over clamd\'s StreamMaxLength is a scanner failure (451 4.3.0, fails closed), not a virus', async () => {
    const big = Array.from({ length: 40_000 }, (_, i) => `line ${i} of a long and harmless report`).join('\r\n');
    assert.ok(big.length > 1024 * 1024);
    const r = await send(b, message('big report', big));
    assert.equal(r.data?.[0], 451, JSON.stringify(r));
    assert.match(r.data?.[1] ?? '', /^4\.3\.0 /);
    assert.match(b.logs(), /size limit exceeded/);
  });
});

describe('scanner outages', () => {
  let blackhole: Server;
  const held: Socket[] = [];
  let down: Baton;

  before(async () => {
    // An rspamd that accepts connections and never answers (hung), and a clamd socket path with nothing behind it.
    blackhole = createServer((s) => held.push(s.on('error', () => undefined)));
    const [port] = await freePorts(1);
    await new Promise<void>((resolve) => blackhole.listen(port, '127.0.0.1', resolve));
    down = await startBaton({
      config: baseConfig({
        rspamd: { url: `http://127.0.0.1:${port}`, timeout: '500ms', onFailure: 'closed' },
        clamav: { socket: '/nonexistent/baton-clamd.sock', onFailure: 'open' },
      }),
      expectedErrors: [/"check":"rspamd".*did not answer within 500 ms.*answering try-later/],
    });
  });

  after(async () => {
    await down?.stop();
    for (const s of held) s.destroy();
    blackhole?.close();
  });

  test('a hung rspamd failing closed: 451 4.3.0 after its timeout; clamd unreachable failing open is skipped and logged', async () => {
    const r = await send(down, message('during an outage'));
    assert.equal(r.data?.[0], 451, JSON.stringify(r));
    assert.match(r.data?.[1] ?? '', /^4\.3\.0 /);
    assert.match(down.logs(), /rspamd did not answer within 500 ms/);
    assert.match(down.logs(), /"check":"clamav".*clamd at \/nonexistent\/baton-clamd\.sock.*fails open/);
  });
});
