import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Mailbox } from '../core/index.js';
import { startSmtpSink, type SmtpSinkHandle } from '../../test/helpers/smtp-sink.js';
import { connect, type ConnectOptions, type SendRequest } from './smtp-client.js';

// The client against a real receiving MTA: Postfix's smtp-sink on 127.0.0.2.
let sink: SmtpSinkHandle;

before(async () => {
  sink = await startSmtpSink({ host: '127.0.0.2' });
});
after(async () => {
  await sink?.stop();
});

const mb = (s: string): Mailbox => {
  const at = s.lastIndexOf('@');
  return { local: s.slice(0, at), domain: s.slice(at + 1) };
};
const base = (): ConnectOptions => ({
  host: 'sink.test',
  ip: sink.host,
  port: sink.port,
  heloName: 'baton.test',
  connectTimeout: 2000,
  commandTimeout: 5000,
  tls: 'opportunistic',
});
const message = (subject: string, body = 'Hello.\r\n.leading dot\r\n'): Buffer =>
  Buffer.from(`From: a@src.test\r\nTo: b@dst.test\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@src.test>\r\n\r\n${body}`);

test('a pipelined transaction to smtp-sink delivers every recipient and the message arrives intact', async () => {
  const c = await connect(base());
  assert.ok(c.ok, JSON.stringify(!c.ok && c.failure));
  const caps = c.connection.capabilities;
  assert.ok(caps.pipelining && caps.dsn && caps.eightBitMime && caps.enhancedStatusCodes, JSON.stringify(caps));
  assert.equal(c.connection.tlsInfo, undefined, 'smtp-sink offers no STARTTLS: opportunistic stays plaintext');
  const req: SendRequest = {
    mailFrom: mb('sender@src.test'),
    recipients: [
      { address: mb('one@dst.test'), notify: ['FAILURE', 'DELAY'], orcpt: 'rfc822;one+x@dst.test' },
      { address: mb('two@dst.test') },
    ],
    params: { body: '8BITMIME', ret: 'HDRS', envid: 'env id=1' },
    message: message('pipelined'),
  };
  const r = await c.connection.send(req);
  assert.deepEqual(r.recipients.map((x) => [x.address, x.delivered, x.result.stage]), [
    ['one@dst.test', true, 'dot'],
    ['two@dst.test', true, 'dot'],
  ]);
  assert.ok(r.reusable);
  await c.connection.quit();
  const [got] = await sink.waitForMessages(1);
  assert.ok(got);
  assert.equal(got.mailFrom, 'sender@src.test');
  // smtp-sink offers no SIZE, so none is sent; DSN parameters are xtext (RFC 3461 §4).
  assert.equal(got.mailArgs, '<sender@src.test> BODY=8BITMIME RET=HDRS ENVID=env+20id+3D1');
  assert.deepEqual(got.recipients, ['one@dst.test', 'two@dst.test']);
  assert.match(got.rcptArgs[0] ?? '', /NOTIFY=FAILURE,DELAY ORCPT=rfc822;one\+2Bx@dst\.test/);
  assert.equal(got.data, req.message.toString().replace(/\r\n/g, '\n'), 'dot-stuffing undone by the receiver: bytes as stored');
});

test('several messages travel over one connection', async () => {
  const before = (await sink.messages()).length;
  const c = await connect(base());
  assert.ok(c.ok);
  for (let i = 0; i < 5; i++) {
    const r = await c.connection.send({ mailFrom: mb('s@src.test'), recipients: [{ address: mb(`r${i}@dst.test`) }], params: {}, message: message(`reuse-${i}`) });
    assert.ok(r.recipients[0]?.delivered && r.reusable, JSON.stringify(r));
  }
  assert.equal(c.connection.transactions, 5);
  await c.connection.quit();
  const all = await sink.waitForMessages(before + 5);
  const mine = all.filter((m) => /^r\d@dst\.test$/.test(m.recipients[0] ?? ''));
  assert.equal(mine.length, 5);
  // smtp-sink's own count agrees (its counters update on QUIT).
  assert.ok(sink.counters().mesg >= before + 5, sink.output());
});

test('a null reverse-path is sent as MAIL FROM:<>', async () => {
  const c = await connect(base());
  assert.ok(c.ok);
  const r = await c.connection.send({ mailFrom: null, recipients: [{ address: mb('bounce-target@dst.test') }], params: {}, message: message('dsn') });
  assert.ok(r.recipients[0]?.delivered);
  await c.connection.quit();
  const got = (await sink.waitForMessages(1)).find((m) => m.recipients[0] === 'bounce-target@dst.test');
  assert.equal(got?.mailArgs, '<>');
});

test('recipients smtp-sink soft-rejects get their own 4xx while the transaction continues lock-step', async () => {
  const soft = await startSmtpSink({ host: '127.0.0.3', args: ['-r', 'RCPT'] });
  try {
    const c = await connect({ ...base(), ip: soft.host, port: soft.port });
    assert.ok(c.ok);
    assert.equal(c.connection.capabilities.pipelining, false, '-r implies no PIPELINING');
    const r = await c.connection.send({ mailFrom: mb('s@src.test'), recipients: [{ address: mb('x@dst.test') }], params: {}, message: message('soft') });
    const x = r.recipients[0];
    assert.ok(x && !x.delivered && x.result.stage === 'rcpt' && 'reply' in x.result && x.result.reply.code === 450, JSON.stringify(r));
    assert.equal(r.last, undefined);
    assert.ok(r.reusable);
    await c.connection.quit();
  } finally {
    await soft.stop();
  }
});

test('LMTP to smtp-sink -L gets one end-of-data reply per recipient (RFC 2033)', async () => {
  const lmtp = await startSmtpSink({ host: '127.0.0.4', args: ['-L'] });
  try {
    const c = await connect({ ...base(), ip: lmtp.host, port: lmtp.port, lmtp: true, tls: 'none' });
    assert.ok(c.ok, JSON.stringify(!c.ok && c.failure));
    const r = await c.connection.send({
      mailFrom: mb('s@src.test'),
      recipients: [{ address: mb('a@local.test') }, { address: mb('b@local.test') }],
      params: {},
      message: message('lmtp'),
    });
    assert.deepEqual(r.recipients.map((x) => [x.delivered, x.result.stage]), [
      [true, 'dot'],
      [true, 'dot'],
    ]);
    await c.connection.quit();
    const [got] = await lmtp.waitForMessages(1);
    assert.equal(got?.proto, 'LMTP');
  } finally {
    await lmtp.stop();
  }
});
