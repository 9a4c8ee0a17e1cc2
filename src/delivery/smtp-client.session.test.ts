import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startScriptedSink, type ScriptedSink, type ScriptedSinkOptions } from '../../test/helpers/scripted-sink.js';
import { freePorts } from '../../test/helpers/free-port.js';
import type { StageResult } from './outcome.js';
import { connect, type ConnectOptions, type ConnectResult, type SendRequest } from './smtp-client.js';
import { parseCapabilities } from './client/capabilities.js';

// Opening a session: greeting, EHLO/HELO, STARTTLS per policy, AUTH.

const opts = (sink: { host: string; port: number }, extra: Partial<ConnectOptions> = {}): ConnectOptions => ({
  host: 'localhost',
  ip: sink.host,
  port: sink.port,
  heloName: 'baton.test',
  connectTimeout: 2000,
  commandTimeout: 2000,
  tls: 'opportunistic',
  ...extra,
});

async function session(o: ScriptedSinkOptions, extra: Partial<ConnectOptions>, check: (r: ConnectResult, sink: ScriptedSink) => void | Promise<void>): Promise<void> {
  const sink = await startScriptedSink(o);
  try {
    const r = await connect(opts(sink, extra));
    try {
      await check(r, sink);
    } finally {
      if (r.ok) await r.connection.quit();
    }
  } finally {
    await sink.stop();
  }
}

const describe = (f: StageResult): string => ('reply' in f ? `${f.stage}:${f.reply.code}` : `${f.stage}:${f.error.code}`);

test('a refused TCP connection fails at the connect stage', async () => {
  const [port] = await freePorts(1);
  const r = await connect(opts({ host: '127.0.0.1', port: port ?? 1 }));
  assert.ok(!r.ok && describe(r.failure) === 'connect:ECONNREFUSED', JSON.stringify(r));
});

test('a 421 or 554 greeting fails at the greeting stage with the server reply, and the client says QUIT to a 554', async () => {
  await session({ reply: (e) => (e.command === 'CONNECT' ? '421 4.3.2 busy' : undefined) }, {}, (r) => {
    assert.ok(!r.ok && describe(r.failure) === 'greeting:421');
  });
  await session({ reply: (e) => (e.command === 'CONNECT' ? '554 5.7.1 go away' : undefined) }, {}, (r, sink) => {
    assert.ok(!r.ok && describe(r.failure) === 'greeting:554');
    assert.deepEqual(sink.sessions[0]?.commands, ['QUIT']);
  });
});

test('a server that never greets times out at the greeting stage', async () => {
  await session({ reply: (e) => (e.command === 'CONNECT' ? 'silent' : undefined) }, { commandTimeout: 300 }, (r) => {
    assert.ok(!r.ok && describe(r.failure) === 'greeting:timeout', JSON.stringify(r));
  });
});

test('a 5xx to EHLO falls back to HELO with no extensions; a 421 to EHLO does not', async () => {
  await session({ reply: (e) => (e.command === 'EHLO' ? '502 5.5.1 What?' : undefined), extensions: ['PIPELINING'] }, {}, async (r, sink) => {
    assert.ok(r.ok);
    assert.equal(r.connection.capabilities.pipelining, false);
    assert.deepEqual(sink.sessions[0]?.commands.slice(0, 2), ['EHLO baton.test', 'HELO baton.test']);
    const sent = await r.connection.send({ mailFrom: null, recipients: [{ address: { local: 'a', domain: 'd.test' } }], params: {}, message: Buffer.from('x\r\n') });
    assert.ok(sent.recipients[0]?.delivered);
  });
  await session({ reply: (e) => (e.command === 'EHLO' ? '421 4.3.2 closing' : undefined) }, {}, (r, sink) => {
    assert.ok(!r.ok && describe(r.failure) === 'ehlo:421');
    assert.ok(!sink.sessions[0]?.commands.includes('HELO baton.test'));
  });
});

test('opportunistic STARTTLS encrypts the session and asks EHLO again after the handshake (RFC 3207 §4.2)', async () => {
  await session({ extensions: ['PIPELINING', 'STARTTLS'], tls: 'self-signed' }, {}, (r, sink) => {
    assert.ok(r.ok, JSON.stringify(!r.ok && r.failure));
    assert.ok(r.connection.tlsInfo, 'tlsInfo present');
    assert.match(r.connection.tlsInfo.protocol, /TLSv1\.[23]/);
    assert.equal(r.connection.tlsInfo.authorized, false, 'self-signed: not verified, still used');
    assert.equal(r.connection.capabilities.starttls, false, 'capabilities come from the EHLO after TLS');
    assert.deepEqual(sink.sessions[0]?.commands, ['EHLO baton.test', 'STARTTLS', 'EHLO baton.test']);
    assert.equal(sink.sessions[0]?.tls, true);
  });
});

test('opportunistic STARTTLS refused with 454 or a broken handshake falls back to plaintext on a new connection', async () => {
  await session({ extensions: ['STARTTLS'], tls: 'self-signed', reply: (e) => (e.command === 'STARTTLS' ? '454 4.7.0 TLS not available' : undefined) }, {}, (r, sink) => {
    assert.ok(r.ok, JSON.stringify(!r.ok && r.failure));
    assert.equal(r.connection.tlsInfo, undefined);
    assert.equal(r.connection.tlsFallback?.reason, 'starttls-refused');
    assert.equal(sink.sessions.length, 2);
    assert.deepEqual(sink.sessions[1]?.commands, ['EHLO baton.test']);
  });
  await session({ extensions: ['STARTTLS'], tls: 'broken' }, {}, (r, sink) => {
    assert.ok(r.ok, JSON.stringify(!r.ok && r.failure));
    assert.equal(r.connection.tlsFallback?.reason, 'handshake-failed');
    assert.equal(sink.sessions.length, 2);
  });
});

test('required TLS fails (temporarily, at starttls) when STARTTLS is missing, refused or broken, and never falls back', async () => {
  await session({ extensions: ['PIPELINING'] }, { tls: 'required' }, (r, sink) => {
    assert.ok(!r.ok && describe(r.failure) === 'starttls:tls-unavailable');
    assert.equal(sink.sessions.length, 1);
    assert.ok(sink.sessions[0]?.commands.includes('QUIT'));
  });
  await session({ extensions: ['STARTTLS'], tls: 'broken' }, { tls: 'required' }, (r, sink) => {
    assert.ok(!r.ok && describe(r.failure) === 'starttls:tls');
    assert.equal(sink.sessions.length, 1);
  });
  await session({ extensions: ['STARTTLS'], tls: 'self-signed', reply: (e) => (e.command === 'STARTTLS' ? '454 4.7.0 no' : undefined) }, { tls: 'required' }, (r) => {
    assert.ok(!r.ok && describe(r.failure) === 'starttls:454');
  });
  // Plaintext injected after the 220 (CVE-2011-0411 class) must never be read as a reply.
  await session({ extensions: ['STARTTLS'], tls: 'self-signed', reply: (e) => (e.command === 'STARTTLS' ? '220 2.0.0 go ahead\r\n250 2.0.0 injected' : undefined) }, { tls: 'required' }, (r) => {
    assert.ok(!r.ok && describe(r.failure) === 'starttls:tls', JSON.stringify(r));
  });
});

test('required-verify accepts a certificate that chains to a trusted CA and names the host, and rejects one that does not', async () => {
  const sink = await startScriptedSink({ extensions: ['STARTTLS'], tls: 'self-signed' });
  try {
    const ok = await connect(opts(sink, { tls: 'required-verify', tlsSettings: { ca: sink.certPem ?? '', servername: 'localhost' } }));
    assert.ok(ok.ok, JSON.stringify(!ok.ok && ok.failure));
    assert.equal(ok.connection.tlsInfo?.authorized, true);
    await ok.connection.quit();
    const untrusted = await connect(opts(sink, { tls: 'required-verify' }));
    assert.ok(!untrusted.ok && describe(untrusted.failure) === 'starttls:tls', 'self-signed without the CA');
    const wrongName = await connect(opts(sink, { host: 'mx.other.test', tls: 'required-verify', tlsSettings: { ca: sink.certPem ?? '' } }));
    assert.ok(!wrongName.ok && describe(wrongName.failure) === 'starttls:tls', 'name mismatch');
  } finally {
    await sink.stop();
  }
});

test('AUTH PLAIN and AUTH LOGIN authenticate over TLS; bad credentials fail at the auth stage', async () => {
  const auth = { user: 'relay-user', pass: 's3cret pass' };
  await session({ extensions: ['PIPELINING', 'STARTTLS', 'AUTH PLAIN LOGIN'], tls: 'self-signed', auth }, { auth }, (r, sink) => {
    assert.ok(r.ok, JSON.stringify(!r.ok && r.failure));
    assert.equal(r.connection.authenticatedAs, 'relay-user');
    assert.equal(sink.sessions[0]?.authenticatedAs, 'relay-user');
    assert.match(sink.sessions[0]?.commands[3] ?? '', /^AUTH PLAIN /);
  });
  await session({ extensions: ['STARTTLS', 'AUTH LOGIN'], tls: 'self-signed', auth }, { auth }, (r, sink) => {
    assert.ok(r.ok, JSON.stringify(!r.ok && r.failure));
    assert.equal(sink.sessions[0]?.commands[3], 'AUTH LOGIN');
    assert.equal(sink.sessions[0]?.authenticatedAs, 'relay-user');
  });
  await session({ extensions: ['STARTTLS', 'AUTH PLAIN'], tls: 'self-signed', auth }, { auth: { user: 'relay-user', pass: 'wrong' } }, (r) => {
    assert.ok(!r.ok && describe(r.failure) === 'auth:535');
  });
});

test('credentials are never sent without TLS unless the policy is none', async () => {
  const auth = { user: 'u', pass: 'p' };
  await session({ extensions: ['AUTH PLAIN'], auth }, { auth }, (r, sink) => {
    assert.ok(!r.ok && describe(r.failure) === 'auth:auth-needs-tls');
    assert.ok(!sink.sessions.some((s) => s.commands.some((c) => c.startsWith('AUTH'))));
  });
  await session({ extensions: ['AUTH PLAIN'], auth }, { auth, tls: 'none' }, (r) => {
    assert.ok(r.ok, JSON.stringify(!r.ok && r.failure));
  });
});

// REQUIRETLS (RFC 8689 §4.2.1 steps 3-4): a REQUIRETLS connection needs verified
// TLS and the keyword in the EHLO after it; the MAIL parameter goes only where offered.

const withStatus = (f: StageResult): string => ('reply' in f && f.reply.status ? `${describe(f)} ${f.reply.status.class}.${f.reply.status.subject}.${f.reply.status.detail}` : describe(f));
const oneMessage = (params: SendRequest['params']): SendRequest => ({
  mailFrom: { local: 's', domain: 'src.test' },
  recipients: [{ address: { local: 'a', domain: 'd.test' } }],
  params,
  message: Buffer.from('Subject: t\r\n\r\nbody\r\n'),
});

async function verified(o: ScriptedSinkOptions, check: (sink: ScriptedSink, extra: (more: Partial<ConnectOptions>) => ConnectOptions) => Promise<void>): Promise<void> {
  const sink = await startScriptedSink(o);
  try {
    await check(sink, (more) => opts(sink, { tls: 'required-verify', tlsSettings: { ca: sink.certPem ?? '', servername: 'localhost' }, ...more }));
  } finally {
    await sink.stop();
  }
}

test('the REQUIRETLS EHLO keyword is parsed', () => {
  assert.equal(parseCapabilities({ code: 250, lines: ['mx hello', 'PIPELINING', 'requiretls'] }).requireTls, true);
  assert.equal(parseCapabilities({ code: 250, lines: ['mx hello', 'PIPELINING'] }).requireTls, false);
});

test('REQUIRETLS to a verified server that offers it: MAIL FROM ... REQUIRETLS; a message without the tag goes without it', async () => {
  await verified({ extensions: ['PIPELINING', 'STARTTLS', 'REQUIRETLS'], tls: 'self-signed' }, async (sink, o) => {
    const c = await connect(o({ requireTls: true }));
    assert.ok(c.ok, JSON.stringify(!c.ok && c.failure));
    assert.ok((await c.connection.send(oneMessage({ requireTls: true }))).recipients[0]?.delivered);
    assert.ok((await c.connection.send(oneMessage({}))).recipients[0]?.delivered);
    assert.deepEqual(sink.sessions[0]?.commands.filter((l) => l.startsWith('MAIL')), ['MAIL FROM:<s@src.test> REQUIRETLS', 'MAIL FROM:<s@src.test>']);
    await c.connection.quit();
  });
});

test('no REQUIRETLS after STARTTLS: the REQUIRETLS connection fails with 4.7.30 at the mail stage (message scope), no MAIL sent', async () => {
  await verified({ extensions: ['PIPELINING', 'STARTTLS'], tls: 'self-signed' }, async (sink, o) => {
    const c = await connect(o({ requireTls: true }));
    assert.ok(!c.ok && withStatus(c.failure) === 'mail:451 4.7.30', JSON.stringify(c));
    assert.ok(!sink.sessions[0]?.commands.some((l) => l.startsWith('MAIL')), 'no MAIL command was sent');
    // A connection made without the REQUIRETLS demand never carries the parameter either.
    const loose = await connect(o({}));
    assert.ok(loose.ok);
    const r = await loose.connection.send(oneMessage({ requireTls: true }));
    const first = r.recipients[0];
    assert.ok(first && !first.delivered && withStatus(first.result) === 'mail:451 4.7.30');
    await loose.connection.quit();
  });
});

test('TLS that fails or is missing fails a REQUIRETLS connection with 4.7.10 (mail stage), never plaintext', async () => {
  await verified({ extensions: ['PIPELINING', 'STARTTLS', 'REQUIRETLS'], tls: 'self-signed' }, async (_sink, o) => {
    const c = await connect(o({ requireTls: true, tlsSettings: { servername: 'localhost' } }));
    assert.ok(!c.ok && withStatus(c.failure) === 'mail:451 4.7.10', 'untrusted certificate');
    assert.ok(!c.ok && 'reply' in c.failure && /REQUIRETLS/.test(c.failure.reply.lines.join(' ')));
  });
  await verified({ extensions: ['PIPELINING', 'REQUIRETLS'] }, async (_sink, o) => {
    const c = await connect(o({ requireTls: true }));
    assert.ok(!c.ok && withStatus(c.failure) === 'mail:451 4.7.10', 'no STARTTLS');
  });
});
