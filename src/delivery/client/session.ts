import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { DeliveryReplies, type SmtpReply } from '../../core/index.js';
import type { Stage, StageResult } from '../outcome.js';
import { describeTls, requiresTls, tlsOptionsFor, type TlsInfo } from '../tls-policy.js';
import { NO_CAPABILITIES, parseCapabilities, type Capabilities } from './capabilities.js';
import { ClientConnection } from './client-connection.js';
import type { PeerVerdict } from '../tls/host-tls.js';
import type { ConnectOptions, ConnectResult, TlsFallback } from './types.js';
import { Wire, WireError } from './wire.js';

/**
 * Opening an SMTP/LMTP session: TCP connect, greeting, EHLO (HELO on a 5xx to
 * EHLO, RFC 5321 §4.1.1.1 / §3.2), STARTTLS per policy (RFC 3207) with a fresh
 * EHLO after the handshake, then AUTH (RFC 4954). Every failure is returned as
 * a StageResult (never thrown) for outcome.ts to classify.
 */
export async function connect(opts: ConnectOptions): Promise<ConnectResult> {
  const first = await attempt(opts, opts.tls !== 'none');
  if (first.ok || !first.fallback) return first.ok ? first.result : { ok: false, failure: first.failure };
  // Opportunistic TLS failed: plaintext on a NEW connection (the old session's
  // state after a refused or broken STARTTLS is not to be trusted).
  opts.log?.warn(
    { host: opts.host, ip: opts.ip, port: opts.port, fallback: first.fallback },
    'opportunistic STARTTLS failed; retrying the connection without TLS',
  );
  const second = await attempt(opts, false, first.fallback);
  return second.ok ? second.result : { ok: false, failure: second.failure, tlsFallback: first.fallback };
}

type Attempt =
  | { ok: true; result: ConnectResult }
  | { ok: false; failure: StageResult; fallback?: TlsFallback };

const failed = (stage: Stage, r: SmtpReply | WireError | string, code = 'error'): Attempt => ({
  ok: false,
  failure:
    typeof r === 'string'
      ? { stage, error: { code, message: r } }
      : r instanceof WireError
        ? { stage, error: { code: r.code, message: r.message } }
        : { stage, reply: r },
});

async function attempt(opts: ConnectOptions, tryTls: boolean, fallback?: TlsFallback): Promise<Attempt> {
  const socket = await openSocket(opts);
  if (socket instanceof WireError) return failed('connect', socket);
  const wire = new Wire(socket, opts.commandTimeout);
  let stage: Stage = 'greeting';
  try {
    const greeting = await wire.read();
    if (greeting.code !== 220) return politeFailure(wire, opts, failed('greeting', greeting));
    stage = 'ehlo';
    let hello = await sayHello(wire, opts);
    if (hello.code >= 400) return politeFailure(wire, opts, failed('ehlo', hello.reply ?? hello.code.toString()));
    let caps = hello.caps;
    let tlsInfo: TlsInfo | undefined;
    if (tryTls) {
      stage = 'starttls';
      const tls = await startTls(wire, opts, caps);
      reportTls(opts, tls);
      if (tls.kind === 'fail') {
        // RFC 8689 §4.2.1: for REQUIRETLS mail a TLS failure fails this message on this host (5.7.10), not the site.
        if (opts.requireTls) return politeFailure(wire, opts, { ok: false, failure: { stage: 'mail', reply: DeliveryReplies.requireTlsNoTls(opts.host, describeFailure(tls.failure)) } });
        if (opts.tls === 'opportunistic' && tls.fallback) {
          return politeFailure(wire, opts, { ok: false, failure: tls.failure, fallback: tls.fallback });
        }
        return politeFailure(wire, opts, { ok: false, failure: tls.failure });
      }
      if (tls.kind === 'done') {
        tlsInfo = tls.info;
        stage = 'ehlo';
        // RFC 3207 §4.2: forget everything learned before TLS and ask again.
        hello = await sayHello(wire, opts);
        if (hello.code >= 400) return politeFailure(wire, opts, failed('ehlo', hello.reply ?? String(hello.code)));
        caps = hello.caps;
      }
    }
    const refused = requireTlsRefusal(opts, tlsInfo !== undefined, caps);
    if (refused) return politeFailure(wire, opts, { ok: false, failure: refused });
    let user: string | undefined;
    if (opts.auth) {
      stage = 'auth';
      const a = await authenticate(wire, opts, caps, tlsInfo !== undefined);
      if (a !== undefined) return politeFailure(wire, opts, a);
      user = opts.auth.user;
    }
    const connection = new ClientConnection(wire, {
      opts,
      greeting,
      capabilities: caps,
      ...(tlsInfo ? { tlsInfo } : {}),
      ...(fallback ? { tlsFallback: fallback } : {}),
      ...(user !== undefined ? { authenticatedAs: user } : {}),
    });
    return { ok: true, result: { ok: true, connection } };
  } catch (err) {
    const e = err instanceof WireError ? err : wire.kill(new WireError(String(err), 'error'));
    wire.kill(e);
    return failed(stage, e);
  }
}

/**
 * RFC 8689 §4.2.1 steps 3-4: a connection for REQUIRETLS mail needs TLS and
 * REQUIRETLS in the EHLO after it. A host without it fails this message only
 * (stage `mail`, so the outcome is message-scoped: no site back-off for the
 * domain's other mail), and the transport tries the next MX.
 */
function requireTlsRefusal(opts: ConnectOptions, onTls: boolean, caps: Capabilities): StageResult | undefined {
  if (!opts.requireTls) return undefined;
  if (!onTls) return { stage: 'mail', reply: DeliveryReplies.requireTlsNoTls(opts.host) };
  if (!caps.requireTls) return { stage: 'mail', reply: DeliveryReplies.requireTlsNotOffered(opts.host) };
  return undefined;
}

function describeFailure(f: StageResult): string {
  return 'error' in f ? f.error.message : `${f.reply.code} ${f.reply.lines.join(' ')}`;
}

function openSocket(opts: ConnectOptions): Promise<Socket | WireError> {
  return new Promise((resolve) => {
    const socket = netConnect({
      host: opts.ip,
      port: opts.port,
      ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    });
    socket.setNoDelay(true);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(new WireError(`connect to ${opts.ip}:${opts.port} timed out after ${opts.connectTimeout} ms`, 'timeout'));
    }, opts.connectTimeout);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(new WireError(`connect to ${opts.ip}:${opts.port} failed: ${err.message}`, err.code ?? 'socket'));
    });
  });
}

type Hello = { code: number; reply?: SmtpReply; caps: Capabilities };

async function sayHello(wire: Wire, opts: ConnectOptions): Promise<Hello> {
  if (opts.lmtp) {
    wire.write(`LHLO ${opts.heloName}\r\n`);
    const r = await wire.read();
    return { code: r.code, reply: r, caps: r.code === 250 ? parseCapabilities(r) : NO_CAPABILITIES };
  }
  wire.write(`EHLO ${opts.heloName}\r\n`);
  const ehlo = await wire.read();
  if (ehlo.code === 250) return { code: 250, reply: ehlo, caps: parseCapabilities(ehlo) };
  // RFC 5321 §4.1.4: a server that does not know EHLO answers 5xx; try HELO.
  // 421 (and other 4xx) means the server is going away: no HELO.
  if (ehlo.code < 500) return { code: ehlo.code, reply: ehlo, caps: NO_CAPABILITIES };
  wire.write(`HELO ${opts.heloName}\r\n`);
  const helo = await wire.read();
  return { code: helo.code === 250 ? 250 : helo.code, reply: helo, caps: NO_CAPABILITIES };
}

type TlsStep =
  | { kind: 'skipped' }
  | { kind: 'done'; info: TlsInfo; peer?: PeerVerdict }
  /** `tlsCode`: Node's error code of a failed handshake (CERT_HAS_EXPIRED, ...), for the TLS report. */
  | { kind: 'fail'; failure: StageResult; fallback?: TlsFallback; tlsCode?: string };

/** Tell the caller how TLS went on this new connection (delivery/tls/: TLS-RPT and logs). */
function reportTls(opts: ConnectOptions, step: TlsStep): void {
  if (!opts.onTls) return;
  if (step.kind === 'skipped') return opts.onTls({ kind: 'plaintext' });
  if (step.kind === 'done') return opts.onTls({ kind: 'tls', info: step.info, ...(step.peer ? { peer: step.peer } : {}) });
  const f = step.failure;
  opts.onTls(
    'error' in f
      ? { kind: 'failed', code: step.tlsCode ?? f.error.code, message: f.error.message }
      : { kind: 'failed', code: 'starttls-refused', message: `STARTTLS refused: ${f.reply.code} ${f.reply.lines.join(' ')}` },
  );
}

async function startTls(wire: Wire, opts: ConnectOptions, caps: Capabilities): Promise<TlsStep> {
  if (!caps.starttls) {
    if (!requiresTls(opts.tls)) return { kind: 'skipped' };
    return { kind: 'fail', failure: { stage: 'starttls', error: { code: 'tls-unavailable', message: `${opts.host} does not offer STARTTLS and the TLS policy is ${opts.tls}` } } };
  }
  wire.write('STARTTLS\r\n');
  const reply = await wire.read();
  if (reply.code !== 220) {
    return { kind: 'fail', failure: { stage: 'starttls', reply }, fallback: { reason: 'starttls-refused', reply } };
  }
  if (wire.pendingInput > 0) {
    // Bytes after "220" before the handshake: a response-injection attempt
    // (CVE-2011-0411 class). Never use them; treat it as a failed handshake.
    const message = `${opts.host} sent data after its STARTTLS reply, before the TLS handshake`;
    wire.kill(new WireError(message, 'tls'));
    return { kind: 'fail', failure: { stage: 'starttls', error: { code: 'tls', message } }, fallback: { reason: 'handshake-failed', message } };
  }
  wire.detach();
  const plain = wire.socket;
  const secured = await new Promise<TLSSocket | Error>((resolve) => {
    const s = tlsConnect({ socket: plain, ...tlsOptionsFor(opts.tls, opts.host, opts.tlsSettings) });
    const timer = setTimeout(() => {
      s.destroy();
      resolve(new Error(`TLS handshake timed out after ${opts.commandTimeout} ms`));
    }, opts.commandTimeout);
    s.once('secureConnect', () => {
      clearTimeout(timer);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (err) => {
      clearTimeout(timer);
      resolve(err);
    });
  });
  if (secured instanceof Error) {
    wire.kill(new WireError(secured.message, 'tls'));
    const message = `TLS handshake with ${opts.host} failed: ${secured.message}`;
    return {
      kind: 'fail',
      failure: { stage: 'starttls', error: { code: 'tls', message } },
      fallback: { reason: 'handshake-failed', message },
      ...(typeof (secured as NodeJS.ErrnoException).code === 'string' ? { tlsCode: (secured as NodeJS.ErrnoException).code as string } : {}),
    };
  }
  const peer = opts.checkPeer?.(secured);
  if (peer && !peer.ok && requiresTls(opts.tls)) {
    // No fallback: the policy that asked for the check demands TLS with this peer.
    secured.destroy();
    wire.kill(new WireError(peer.message, 'tls'));
    return { kind: 'fail', failure: { stage: 'starttls', error: { code: peer.code, message: `${opts.host}: ${peer.message}` } } };
  }
  wire.replaceSocket(secured);
  return { kind: 'done', info: describeTls(secured), ...(peer ? { peer } : {}) };
}

/** Returns undefined on success, else the failure. */
async function authenticate(wire: Wire, opts: ConnectOptions, caps: Capabilities, encrypted: boolean): Promise<Attempt | undefined> {
  const auth = opts.auth;
  if (!auth) return undefined;
  if (!encrypted && opts.tls !== 'none') {
    // Never send credentials in the clear unless the operator chose tls: none.
    return failed('auth', `refusing to send credentials to ${opts.host} without TLS`, 'auth-needs-tls');
  }
  const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
  let reply: SmtpReply;
  if (caps.auth.includes('PLAIN')) {
    // RFC 4616: authzid NUL authcid NUL passwd; initial response on the command (RFC 4954 §4).
    wire.write(`AUTH PLAIN ${b64(`\0${auth.user}\0${auth.pass}`)}\r\n`);
    reply = await wire.read();
  } else if (caps.auth.includes('LOGIN')) {
    wire.write('AUTH LOGIN\r\n');
    reply = await wire.read();
    if (reply.code === 334) {
      wire.write(`${b64(auth.user)}\r\n`);
      reply = await wire.read();
    }
    if (reply.code === 334) {
      wire.write(`${b64(auth.pass)}\r\n`);
      reply = await wire.read();
    }
  } else {
    return failed('auth', `${opts.host} offers no AUTH mechanism we support (offered: ${caps.auth.join(' ') || 'none'})`, 'auth-unavailable');
  }
  if (reply.code === 334) {
    // A challenge we cannot answer: cancel (RFC 4954 §4 "*").
    wire.write('*\r\n');
    reply = await wire.read();
  }
  return reply.code === 235 ? undefined : failed('auth', reply);
}

/** Send QUIT (RFC 5321 §3.8: a client that gives up should still say goodbye), close, fail. */
async function politeFailure(wire: Wire, opts: ConnectOptions, failure: Attempt): Promise<Attempt> {
  if (!wire.failure) {
    wire.write('QUIT\r\n');
    await wire.read(Math.min(opts.commandTimeout, 2000)).catch(() => undefined);
    wire.kill(new WireError('closed after a failed session start', 'closed'));
  }
  return failure;
}
