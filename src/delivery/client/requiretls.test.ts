import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startScriptedSink, type ScriptedSinkOptions, type ScriptedSink } from '../../../test/helpers/scripted-sink.js';
import type { StageResult } from '../outcome.js';
import { connect, type ConnectOptions, type SendRequest } from '../smtp-client.js';
import { parseCapabilities } from './capabilities.js';

// RFC 8689 §4.2.1 on the client side: REQUIRETLS connections need TLS and the
// keyword after it; the MAIL parameter goes only where it was offered.

const describe = (f: StageResult): string => ('reply' in f ? `${f.stage}:${f.reply.code} ${f.reply.status ? `${f.reply.status.class}.${f.reply.status.subject}.${f.reply.status.detail}` : ''}` : `${f.stage}:${f.error.code}`);

const req = (params: SendRequest['params']): SendRequest => ({
  mailFrom: { local: 's', domain: 'src.test' },
  recipients: [{ address: { local: 'a', domain: 'd.test' } }],
  params,
  message: Buffer.from('Subject: t\r\n\r\nbody\r\n'),
});

async function withSink(o: ScriptedSinkOptions, fn: (sink: ScriptedSink, opts: (extra: Partial<ConnectOptions>) => ConnectOptions) => Promise<void>): Promise<void> {
  const sink = await startScriptedSink(o);
  const opts = (extra: Partial<ConnectOptions>): ConnectOptions => ({
    host: 'localhost',
    ip: sink.host,
    port: sink.port,
    heloName: 'baton.test',
    connectTimeout: 2000,
    commandTimeout: 2000,
    tls: 'required-verify',
    tlsSettings: { ca: sink.certPem ?? '', servername: 'localhost' },
    ...extra,
  });
  try {
    await fn(sink, opts);
  } finally {
    await sink.stop();
  }
}

test('the REQUIRETLS EHLO keyword is parsed', () => {
  assert.equal(parseCapabilities({ code: 250, lines: ['mx hello', 'PIPELINING', 'requiretls'] }).requireTls, true);
  assert.equal(parseCapabilities({ code: 250, lines: ['mx hello', 'PIPELINING'] }).requireTls, false);
});

test('a REQUIRETLS connection to a verified server that offers REQUIRETLS sends MAIL FROM ... REQUIRETLS', async () => {
  await withSink({ extensions: ['PIPELINING', 'STARTTLS', 'REQUIRETLS'], tls: 'self-signed' }, async (sink, opts) => {
    const c = await connect(opts({ requireTls: true }));
    assert.ok(c.ok, JSON.stringify(!c.ok && c.failure));
    const r = await c.connection.send(req({ requireTls: true }));
    assert.ok(r.recipients[0]?.delivered);
    assert.equal(sink.sessions[0]?.commands.find((l) => l.startsWith('MAIL')), 'MAIL FROM:<s@src.test> REQUIRETLS');
    const plain = await c.connection.send(req({}));
    assert.ok(plain.recipients[0]?.delivered);
    assert.equal(sink.sessions[0]?.commands.filter((l) => l.startsWith('MAIL'))[1], 'MAIL FROM:<s@src.test>', 'no REQUIRETLS for a message without it');
    await c.connection.quit();
  });
});

test('a server without REQUIRETLS after STARTTLS fails the REQUIRETLS connection with 4.7.30 at the mail stage (message scope), nothing sent', async () => {
  await withSink({ extensions: ['PIPELINING', 'STARTTLS'], tls: 'self-signed' }, async (sink, opts) => {
    const c = await connect(opts({ requireTls: true }));
    assert.ok(!c.ok);
    assert.equal(describe(c.failure), 'mail:451 4.7.30');
    assert.ok(!sink.sessions[0]?.commands.some((l) => l.startsWith('MAIL')), 'no MAIL command was sent');
    // A connection made without the REQUIRETLS demand never carries the parameter either.
    const loose = await connect(opts({}));
    assert.ok(loose.ok);
    const r = await loose.connection.send(req({ requireTls: true }));
    assert.equal(r.recipients[0]?.delivered, false);
    assert.equal(describe(r.recipients[0]!.result), 'mail:451 4.7.30');
    await loose.connection.quit();
  });
});

test('TLS that fails or is missing fails a REQUIRETLS connection with 4.7.10 (mail stage), never plaintext', async () => {
  await withSink({ extensions: ['PIPELINING', 'STARTTLS', 'REQUIRETLS'], tls: 'self-signed' }, async (_sink, opts) => {
    const c = await connect(opts({ requireTls: true, tlsSettings: { servername: 'localhost' } }));
    assert.ok(!c.ok && describe(c.failure) === 'mail:451 4.7.10', 'untrusted certificate');
    assert.ok(!c.ok && 'reply' in c.failure && /REQUIRETLS/.test(c.failure.reply.lines.join(' ')));
  });
  await withSink({ extensions: ['PIPELINING', 'REQUIRETLS'] }, async (_sink, opts) => {
    const c = await connect(opts({ requireTls: true }));
    assert.ok(!c.ok && describe(c.failure) === 'mail:451 4.7.10', 'no STARTTLS');
  });
});
