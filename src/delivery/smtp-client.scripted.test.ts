import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Mailbox } from '../core/index.js';
import { startScriptedSink, type ScriptedSink, type ScriptedSinkOptions } from '../../test/helpers/scripted-sink.js';
import { connect, type ConnectOptions, type SendRequest, type SmtpConnection } from './smtp-client.js';

// Transactions against a scripted peer: replies chosen per command and recipient.

const mb = (s: string): Mailbox => {
  const at = s.lastIndexOf('@');
  return { local: s.slice(0, at), domain: s.slice(at + 1) };
};
const opts = (sink: ScriptedSink, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
  host: 'sink.test',
  ip: sink.host,
  port: sink.port,
  heloName: 'baton.test',
  connectTimeout: 2000,
  commandTimeout: 2000,
  tls: 'none',
  ...extra,
});
const msg = Buffer.from('Subject: t\r\n\r\nline one\r\n.starts with a dot\r\n');
const tx = (rcpts: string[], extra: Partial<SendRequest> = {}): SendRequest => ({
  mailFrom: mb('s@src.test'),
  recipients: rcpts.map((r) => ({ address: mb(r) })),
  params: {},
  message: msg,
  ...extra,
});

async function withSink(o: ScriptedSinkOptions, fn: (sink: ScriptedSink, c: SmtpConnection) => Promise<void>, extra: Partial<ConnectOptions> = {}): Promise<void> {
  const sink = await startScriptedSink(o);
  try {
    const c = await connect(opts(sink, extra));
    assert.ok(c.ok, JSON.stringify(!c.ok && c.failure));
    try {
      await fn(sink, c.connection);
    } finally {
      c.connection.close();
    }
  } finally {
    await sink.stop();
  }
}

const code = (r: { result: { stage: string } & ({ reply: { code: number } } | { error: unknown }) }): string =>
  'reply' in r.result ? `${r.result.stage}:${r.result.reply.code}` : `${r.result.stage}:error`;

test('with PIPELINING, MAIL, every RCPT and DATA leave in one write (RFC 2920)', async () => {
  await withSink({ extensions: ['PIPELINING'] }, async (sink, c) => {
    const r = await c.send(tx(['a@d.test', 'b@d.test', 'c@d.test']));
    assert.ok(r.recipients.every((x) => x.delivered));
    const s = sink.sessions[0];
    assert.deepEqual(s?.reads.slice(0, 2), [1, 5], `batches seen: ${JSON.stringify(s?.reads)}`);
    assert.deepEqual(s?.messages[0]?.data, msg, 'dot-stuffing removed by the receiver gives the stored bytes');
  });
});

test('without PIPELINING the client waits for each reply', async () => {
  await withSink({ extensions: [] }, async (sink, c) => {
    const r = await c.send(tx(['a@d.test', 'b@d.test']));
    assert.ok(r.recipients.every((x) => x.delivered));
    assert.ok(sink.sessions[0]?.reads.every((n) => n === 1), JSON.stringify(sink.sessions[0]?.reads));
  });
});

test('with CHUNKING the message goes as BDAT, unstuffed, and arrives byte for byte (RFC 3030)', async () => {
  const big = Buffer.concat([msg, Buffer.alloc(2.5 * 1024 * 1024, 0x61), Buffer.from('\r\n.\r\n')]);
  for (const ext of [['PIPELINING', 'CHUNKING'], ['CHUNKING']]) {
    await withSink({ extensions: ext }, async (sink, c) => {
      const r = await c.send(tx(['a@d.test'], { message: big }));
      assert.deepEqual(r.recipients.map(code), ['bdat:250'], ext.join());
      const got = sink.sessions[0]?.messages[0];
      assert.equal(got?.via, 'BDAT');
      assert.ok(got?.data.equals(big), 'exact bytes, including a line that is only a dot');
      assert.deepEqual(sink.sessions[0]?.commands.filter((l) => l.startsWith('BDAT')), ['BDAT 1048576', 'BDAT 1048576', `BDAT ${big.length - 2 * 1048576} LAST`]);
    });
  }
});

test('each recipient keeps its own RCPT reply; only accepted ones are delivered', async () => {
  const reply = ({ command, arg }: { command: string; arg: string }) =>
    command !== 'RCPT' ? undefined : arg.includes('gone@') ? '550 5.1.1 No such user' : arg.includes('full@') ? '452 4.2.2 Mailbox full' : undefined;
  await withSink({ extensions: ['PIPELINING'], reply }, async (sink, c) => {
    const r = await c.send(tx(['gone@d.test', 'ok@d.test', 'full@d.test']));
    assert.deepEqual(r.recipients.map(code), ['rcpt:550', 'dot:250', 'rcpt:452']);
    assert.deepEqual(r.recipients.map((x) => x.delivered), [false, true, false]);
    assert.deepEqual(sink.sessions[0]?.messages[0]?.recipients, ['ok@d.test']);
    assert.ok(r.reusable);
  });
});

test('when every RCPT is refused no message is sent, the transaction is reset and the connection stays usable', async () => {
  await withSink({ extensions: ['PIPELINING'], reply: (e) => (e.command === 'RCPT' ? '550 5.7.1 Relay denied' : undefined) }, async (sink, c) => {
    const r = await c.send(tx(['a@d.test', 'b@d.test']));
    assert.deepEqual(r.recipients.map(code), ['rcpt:550', 'rcpt:550']);
    assert.equal(r.last, undefined);
    assert.ok(r.reusable && c.usable);
    assert.equal(sink.sessions[0]?.messages.length, 0);
    assert.ok(sink.sessions[0]?.commands.includes('RSET'));
    assert.ok(await c.reset());
  });
});

test('a refused MAIL FROM decides every recipient; a refused DATA and a refused end of data are reported at their stage', async () => {
  const cases: [string, string, string][] = [
    ['MAIL', '553 5.7.1 Sender rejected', 'mail:553'],
    ['DATA', '451 4.3.0 Try later', 'data:451'],
    ['DOT', '554 5.7.1 Spam', 'dot:554'],
  ];
  for (const pipelining of [true, false]) {
    for (const [cmd, answer, expected] of cases) {
      await withSink({ extensions: pipelining ? ['PIPELINING'] : [], reply: (e) => (e.command === cmd ? answer : undefined) }, async (_sink, c) => {
        const r = await c.send(tx(['a@d.test', 'b@d.test']));
        assert.deepEqual(r.recipients.map(code), [expected, expected], `${cmd} pipelining=${pipelining}`);
        assert.equal(r.recipients[0]?.rcpt && cmd === 'MAIL' ? 'rcpt kept' : 'ok', 'ok', 'no RCPT result after a refused MAIL');
        assert.ok(r.reusable, 'connection reusable after a refusal');
        const again = await c.send(tx(['x@d.test']));
        assert.ok(cmd !== 'MAIL' || again.recipients[0]?.result.stage === 'mail');
      });
    }
  }
});

test('an 8-bit or UTF-8 envelope to a server without SMTPUTF8 is refused with 5.6.7 before anything is sent', async () => {
  await withSink({ extensions: ['PIPELINING', '8BITMIME'] }, async (sink, c) => {
    const r = await c.send(tx(['jürgen@d.test']));
    const res = r.recipients[0]?.result;
    assert.ok(res && 'reply' in res && res.stage === 'mail' && res.reply.code === 553 && res.reply.status?.subject === 6 && res.reply.status.detail === 7);
    const flagged = await c.send(tx(['plain@d.test'], { params: { smtputf8: true } }));
    assert.equal(flagged.recipients[0]?.delivered, false);
    assert.ok(!sink.sessions[0]?.commands.some((l) => l.startsWith('MAIL')), 'no MAIL command was sent');
    assert.ok(r.reusable && c.usable);
  });
  await withSink({ extensions: ['PIPELINING', 'SMTPUTF8'] }, async (sink, c) => {
    const r = await c.send(tx(['jürgen@d.test']));
    assert.ok(r.recipients[0]?.delivered);
    assert.equal(sink.sessions[0]?.commands.find((l) => l.startsWith('MAIL')), 'MAIL FROM:<s@src.test> SMTPUTF8');
  });
});

test('DSN parameters are sent only to servers that offer DSN; SIZE is declared and enforced when offered', async () => {
  const req = tx(['a@d.test'], { params: { ret: 'FULL', envid: 'e1' } });
  const withNotify: SendRequest = { ...req, recipients: [{ address: mb('a@d.test'), notify: 'NEVER', orcpt: 'rfc822;a@d.test' }] };
  await withSink({ extensions: ['SIZE 1000'] }, async (sink, c) => {
    await c.send(withNotify);
    assert.deepEqual(sink.sessions[0]?.commands.filter((l) => /^(MAIL|RCPT)/.test(l)), [`MAIL FROM:<s@src.test> SIZE=${msg.length}`, 'RCPT TO:<a@d.test>']);
  });
  await withSink({ extensions: ['DSN', 'SIZE 10'] }, async (sink, c) => {
    const r = await c.send(withNotify);
    assert.deepEqual(r.recipients.map(code), ['mail:552'], 'larger than the announced SIZE: not sent');
    assert.equal(sink.sessions[0]?.commands.some((l) => l.startsWith('MAIL')), false);
  });
  await withSink({ extensions: ['DSN'] }, async (sink, c) => {
    await c.send(withNotify);
    assert.deepEqual(sink.sessions[0]?.commands.filter((l) => /^(MAIL|RCPT)/.test(l)), ['MAIL FROM:<s@src.test> RET=FULL ENVID=e1', 'RCPT TO:<a@d.test> NOTIFY=NEVER ORCPT=rfc822;a@d.test']);
  });
});

test('a connection reset in the middle of DATA is a connection failure, not a server verdict', async () => {
  await withSink({ extensions: ['PIPELINING'], dropAfterDataBytes: 10 }, async (_sink, c) => {
    const big = Buffer.concat([msg, Buffer.alloc(200_000, 0x62), Buffer.from('\r\n')]);
    const r = await c.send(tx(['a@d.test'], { message: big }));
    const res = r.recipients[0]?.result;
    assert.ok(res && 'error' in res && res.stage === 'dot', JSON.stringify(r));
    assert.equal(r.recipients[0]?.delivered, false);
    assert.equal(r.reusable, false);
    assert.equal(c.usable, false);
    const after = await c.send(tx(['b@d.test']));
    assert.ok(after.recipients[0]?.result && 'error' in after.recipients[0].result, 'a dead connection answers with an error result');
  });
});

test('a server that stops answering times out with a connection failure', async () => {
  await withSink({ reply: (e) => (e.command === 'DOT' ? 'silent' : undefined) }, async (_sink, c) => {
    const t0 = Date.now();
    const r = await c.send(tx(['a@d.test']));
    const res = r.recipients[0]?.result;
    assert.ok(res && 'error' in res && res.error.code === 'timeout' && res.stage === 'dot', JSON.stringify(r));
    assert.ok(Date.now() - t0 < 4000);
  }, { commandTimeout: 300 });
});

test('LMTP: each accepted recipient gets its own end-of-data reply', async () => {
  const reply = ({ command, arg }: { command: string; arg: string }) => (command === 'DOT' && arg.startsWith('full@') ? '452 4.2.2 Mailbox full' : undefined);
  await withSink({ lmtp: true, extensions: ['PIPELINING', 'CHUNKING'], reply }, async (sink, c) => {
    const r = await c.send(tx(['ok@d.test', 'full@d.test', 'ok2@d.test']));
    assert.deepEqual(r.recipients.map(code), ['dot:250', 'dot:452', 'dot:250']);
    assert.equal(sink.sessions[0]?.commands[0], 'LHLO baton.test');
    assert.equal(sink.sessions[0]?.messages[0]?.via, 'DATA', 'LMTP keeps DATA');
  }, { lmtp: true });
});

test('a 421 to RCPT ends the session (RFC 5321 §3.8): every recipient not yet refused has the 421 as its reason', async () => {
  await withSink({ extensions: ['PIPELINING'], reply: (e) => (e.command === 'RCPT' && e.arg.includes('b@') ? '421 4.3.2 Shutting down' : undefined) }, async (_sink, c) => {
    const r = await c.send(tx(['a@d.test', 'b@d.test', 'c@d.test']));
    assert.deepEqual(r.recipients.map(code), ['rcpt:421', 'rcpt:421', 'rcpt:421']);
    assert.equal(r.reusable, false);
  });
});

test('a 421 to a pipelined MAIL is the reason, not the connection it closes', async () => {
  await withSink({ extensions: ['PIPELINING'], reply: (e) => (e.command === 'MAIL' ? '421 4.7.0 [TSS04] Messages temporarily deferred due to unexpected volume' : undefined) }, async (_sink, c) => {
    const r = await c.send(tx(['a@d.test', 'b@d.test']));
    assert.deepEqual(r.recipients.map(code), ['mail:421', 'mail:421']);
    assert.equal(r.reusable, false);
  });
});

test('a server that refuses in the middle of DATA and closes: its reply is reported, not a bare connection error', async () => {
  const reply = (e: { command: string }) => (e.command === 'DATA-ABORT' ? '552 5.3.4 Message too big' : undefined);
  await withSink({ extensions: ['PIPELINING'], dropAfterDataBytes: 10, reply }, async (_sink, c) => {
    const big = Buffer.concat([msg, Buffer.alloc(4 * 1024 * 1024, 0x62), Buffer.from('\r\n')]);
    const r = await c.send(tx(['a@d.test'], { message: big }));
    assert.deepEqual(r.recipients.map(code), ['dot:552'], JSON.stringify(r.last));
    assert.equal(r.reusable, false);
  });
});
