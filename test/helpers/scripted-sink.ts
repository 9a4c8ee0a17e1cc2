import { readFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { TLSSocket } from 'node:tls';
import { makeSelfSignedCert } from './tls.js';

/**
 * A small scripted SMTP/LMTP server: the peer under test control, for what a
 * real sink cannot be told to do (a chosen reply per command and recipient, a
 * reset mid-DATA, a broken TLS handshake, no greeting at all). It records what
 * it received. Loopback only.
 *
 *   const sink = await startScriptedSink({
 *     extensions: ['PIPELINING', 'CHUNKING', 'DSN', 'SMTPUTF8', 'STARTTLS'],
 *     tls: 'self-signed',
 *     reply: (e) => (e.command === 'RCPT' && e.arg.includes('full@') ? '452 4.2.2 Mailbox full' : undefined),
 *   });
 *   ... connect to sink.host:sink.port ...
 *   sink.sessions[0].messages[0].data   // the message bytes, unstuffed
 *   await sink.stop();
 *
 * `reply` is asked first for every event and may return a reply line ("550 5.1.1
 * No such user"; "250-a\r\n250 b" for multi-line), 'drop' (destroy the socket
 * without a word), 'silent' (say nothing, keep the socket) or undefined (the
 * default answer). Events: CONNECT (the greeting), EHLO, HELO, LHLO, STARTTLS,
 * AUTH, MAIL, RCPT, DATA, DOT (end of data; LMTP: asked once per accepted
 * recipient with arg = recipient), BDAT (per chunk; arg "LAST" for the last one,
 * whose default answer is the DOT answer), RSET, NOOP, QUIT, and any other verb.
 * A 421 answer closes the connection, as RFC 5321 §3.8 says a server does.
 *
 * `hold` keeps chosen answers back until the test calls `release()`: the
 * greeting (CONNECT) or the end-of-data answer (DOT; BDAT LAST), so a test can
 * see how many connections or transactions a client runs at once without any
 * timing. `meter` counts open connections and transactions in progress, with
 * their peaks:
 *
 *   const sink = await startScriptedSink({ hold: (e) => e.command === 'DOT' });
 *   await waitFor('two held', () => sink.held() === 2);
 *   sink.release(1);                     // the oldest held transaction gets its 250
 *   sink.meter.peakBusy                  // most transactions ever in progress at once
 */
export interface SinkEvent {
  readonly command: string;
  readonly arg: string;
  readonly session: SinkSession;
}

export type SinkAnswer = string | 'drop' | 'silent' | undefined;

export interface ScriptedSinkOptions {
  readonly host?: string;
  /** EHLO keywords after the first line. Default: PIPELINING, 8BITMIME, ENHANCEDSTATUSCODES. */
  readonly extensions?: readonly string[];
  /** 'self-signed': answer STARTTLS and do a real handshake (openssl-made cert, CN=localhost + IP 127.0.0.1).
   *  'broken': answer 220 to STARTTLS, then answer the client's TLS hello with garbage. */
  readonly tls?: 'self-signed' | 'broken' | { readonly cert: string; readonly key: string };
  /** Accepted credentials for AUTH PLAIN/LOGIN; anything else gets 535. */
  readonly auth?: { readonly user: string; readonly pass: string };
  readonly lmtp?: boolean;
  /** Destroy the connection once this many message bytes have arrived in DATA (after the DATA-ABORT answer, if any). */
  readonly dropAfterDataBytes?: number;
  readonly reply?: (event: SinkEvent) => SinkAnswer;
  /**
   * Keep the answer to this event back until `release()`: CONNECT (the greeting),
   * DOT (the end-of-data answer, also for BDAT LAST; SMTP only, not LMTP), or a
   * one-line answer to EHLO, HELO, MAIL, RSET or NOOP; never RCPT, DATA, BDAT
   * chunks, STARTTLS or QUIT. While an answer is held, the connection reads but
   * does not act on further input. The answer is decided at release time (the
   * `release` override, else `reply`, else the default).
   */
  readonly hold?: (event: SinkEvent) => boolean;
}

/** Concurrency at the sink, updated as it happens. */
export interface SinkMeter {
  /** Connections open now (accepted, not yet closed). */
  open: number;
  /** The most connections ever open at once. */
  peakOpen: number;
  /** Transactions in progress now: from MAIL until the final answer (end of data), RSET, a failed DATA or the close. */
  busy: number;
  /** The most transactions ever in progress at once. */
  peakBusy: number;
}

export interface SinkMessage {
  readonly mailFrom: string;
  readonly recipients: readonly string[];
  readonly data: Buffer;
  /** When the end of the data arrived (Date.now()). */
  readonly at: number;
  readonly via: 'DATA' | 'BDAT';
}

export interface SinkSession {
  /** Every command line as received (AUTH payloads included), in order. */
  readonly commands: string[];
  readonly messages: SinkMessage[];
  tls: boolean;
  authenticatedAs?: string;
  /** Command batches as they arrived in one TCP read: proves pipelining. */
  readonly reads: number[];
  /** Date.now() when the connection was accepted. */
  readonly connectedAt: number;
}

export interface ScriptedSink {
  readonly host: string;
  readonly port: number;
  readonly sessions: SinkSession[];
  /** PEM of the certificate in use (to trust it in required-verify tests). */
  readonly certPem?: string;
  /** Open connections and transactions in progress, with their peaks. */
  readonly meter: SinkMeter;
  /** Answers held back by `hold` on connections still open. */
  held(): number;
  /**
   * Send the oldest `count` held answers (all by default), or `answer` instead
   * of them (e.g. "421 4.3.2 Busy"). Returns how many were released.
   */
  release(count?: number, answer?: string): number;
  stop(): Promise<void>;
}

interface Held {
  readonly conn: SinkConnection;
  readonly send: (answer: string | undefined) => void;
}

const DEFAULT_EXT = ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES'];

export async function startScriptedSink(options: ScriptedSinkOptions = {}): Promise<ScriptedSink> {
  const host = options.host ?? '127.0.0.1';
  let creds: { cert: string; key: string } | undefined;
  if (options.tls === 'self-signed') {
    const files = await makeSelfSignedCert();
    creds = { cert: await readFile(files.cert, 'utf8'), key: await readFile(files.key, 'utf8') };
  } else if (typeof options.tls === 'object') {
    creds = options.tls;
  }
  const sessions: SinkSession[] = [];
  const sockets = new Set<Socket>();
  const meter: SinkMeter = { open: 0, peakOpen: 0, busy: 0, peakBusy: 0 };
  const holds: Held[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    meter.open++;
    meter.peakOpen = Math.max(meter.peakOpen, meter.open);
    const session: SinkSession = { commands: [], messages: [], tls: false, reads: [], connectedAt: Date.now() };
    sessions.push(session);
    const conn = new SinkConnection(socket, session, options, creds, { meter, holds });
    socket.on('close', () => {
      sockets.delete(socket);
      meter.open--;
      conn.closed();
      for (let i = holds.length - 1; i >= 0; i--) if (holds[i]?.conn === conn) holds.splice(i, 1);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    host,
    port,
    sessions,
    ...(creds ? { certPem: creds.cert } : {}),
    meter,
    held: () => holds.length,
    release(count = Infinity, answer?: string) {
      const now = holds.splice(0, count);
      for (const h of now) h.send(answer);
      return now.length;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

type Mode = { kind: 'command' } | { kind: 'data'; bytes: Buffer[] } | { kind: 'bdat'; remaining: number; last: boolean } | { kind: 'auth-login'; step: 'user' | 'pass'; user?: string };

class SinkConnection {
  private buf = Buffer.alloc(0);
  private mode: Mode = { kind: 'command' };
  private mailFrom: string | undefined;
  private rcpts: string[] = [];
  private bdat: Buffer[] = [];
  private dataBytes = 0;
  /** An answer is held (see `hold`): input is buffered, not acted on. */
  private paused = false;
  /** A transaction is in progress (counted in meter.busy). */
  private busy = false;

  constructor(
    private socket: Socket,
    private readonly session: SinkSession,
    private readonly opts: ScriptedSinkOptions,
    private readonly creds: { cert: string; key: string } | undefined,
    private readonly shared: { readonly meter: SinkMeter; readonly holds: Held[] },
  ) {
    this.attach(socket);
    socket.on('error', () => undefined);
    this.answer('CONNECT', '', '220 sink.test ESMTP scripted');
  }

  private attach(socket: Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      const before = this.session.commands.length;
      this.pump();
      const n = this.session.commands.length - before;
      if (n > 0) this.session.reads.push(n);
    });
  }

  private send(text: string): void {
    if (!this.socket.destroyed) this.socket.write(text.endsWith('\r\n') ? text : `${text}\r\n`);
  }

  /** The connection closed: a transaction in progress ends with it. */
  closed(): void {
    this.setBusy(false);
  }

  private setBusy(busy: boolean): void {
    if (busy === this.busy) return;
    this.busy = busy;
    const m = this.shared.meter;
    m.busy += busy ? 1 : -1;
    if (busy) m.peakBusy = Math.max(m.peakBusy, m.busy);
  }

  /** Ask the script, fall back to `dflt`; true when the session goes on. Held answers (see `hold`) wait for release(). */
  private answer(command: string, arg: string, dflt: string): boolean {
    if (this.opts.hold?.({ command, arg, session: this.session })) {
      this.paused = true;
      this.shared.holds.push({
        conn: this,
        send: (override) => {
          this.paused = false;
          if (this.answerNow(command, arg, dflt, override)) this.pump();
        },
      });
      return false;
    }
    return this.answerNow(command, arg, dflt);
  }

  private answerNow(command: string, arg: string, dflt: string, override?: string): boolean {
    if (command === 'DOT') this.setBusy(false);
    const a = override ?? this.opts.reply?.({ command, arg, session: this.session });
    if (a === 'drop') {
      this.socket.destroy();
      return false;
    }
    if (a === 'silent') return true;
    const text = a ?? dflt;
    if (command === 'MAIL' && !text.startsWith('2')) this.setBusy(false);
    this.send(text);
    if (/^421/.test(text)) {
      this.socket.end();
      return false;
    }
    return true;
  }

  private pump(): void {
    while (!this.socket.destroyed && !this.paused) {
      const m = this.mode;
      if (m.kind === 'bdat') {
        const take = Math.min(m.remaining, this.buf.length);
        this.bdat.push(this.buf.subarray(0, take));
        this.buf = this.buf.subarray(take);
        m.remaining -= take;
        if (m.remaining > 0) return;
        this.mode = { kind: 'command' };
        this.endBdat(m.last);
        continue;
      }
      const lf = this.buf.indexOf(0x0a);
      if (lf === -1) return;
      const line = this.buf.subarray(0, lf + 1);
      this.buf = this.buf.subarray(lf + 1);
      if (m.kind === 'data') {
        this.dataLine(m, line);
        continue;
      }
      const text = line.toString('utf8').replace(/\r?\n$/, '');
      this.session.commands.push(text);
      if (m.kind === 'auth-login') {
        this.authLogin(m, text);
        continue;
      }
      if (!this.command(text)) return;
    }
  }

  private dataLine(m: { kind: 'data'; bytes: Buffer[] }, line: Buffer): void {
    if (line.length === 3 && line.toString() === '.\r\n') {
      this.mode = { kind: 'command' };
      const data = Buffer.concat(m.bytes);
      this.deliver(data, 'DATA');
      return;
    }
    // RFC 5321 §4.5.2: remove one leading dot.
    m.bytes.push(line[0] === 0x2e ? line.subarray(1) : line);
    this.dataBytes += line.length;
    if (this.opts.dropAfterDataBytes !== undefined && this.dataBytes >= this.opts.dropAfterDataBytes) {
      // The script may say something first (event DATA-ABORT), e.g. "552 5.3.4 Too big".
      const last = this.opts.reply?.({ command: 'DATA-ABORT', arg: '', session: this.session });
      if (last !== undefined && last !== 'drop' && last !== 'silent') this.socket.end(`${last}\r\n`);
      else this.socket.destroy();
    }
  }

  private deliver(data: Buffer, via: 'DATA' | 'BDAT'): void {
    const mailFrom = this.mailFrom ?? '';
    const recipients = [...this.rcpts];
    this.session.messages.push({ mailFrom, recipients, data, via, at: Date.now() });
    this.mailFrom = undefined;
    this.rcpts = [];
    if (this.opts.lmtp) {
      for (const r of recipients) if (!this.answer('DOT', r, '250 2.0.0 Delivered')) return;
    } else {
      this.answer('DOT', '', '250 2.0.0 Ok: queued');
    }
  }

  /** A chunk's reply: the script's BDAT answer, else 250; the LAST chunk's default is the DOT answer. */
  private endBdat(last: boolean): void {
    const a = this.opts.reply?.({ command: 'BDAT', arg: last ? 'LAST' : '', session: this.session });
    if (a === 'drop') {
      this.socket.destroy();
      return;
    }
    if (!last) {
      if (a !== 'silent') this.send(a ?? '250 2.0.0 chunk ok');
      return;
    }
    const data = Buffer.concat(this.bdat);
    this.bdat = [];
    if (a === undefined) return this.deliver(data, 'BDAT');
    this.setBusy(false);
    if (a !== 'silent') this.send(a);
  }

  private command(text: string): boolean {
    const sp = text.indexOf(' ');
    const verb = (sp === -1 ? text : text.slice(0, sp)).toUpperCase();
    const arg = sp === -1 ? '' : text.slice(sp + 1);
    switch (verb) {
      case 'EHLO':
      case 'LHLO': {
        const ext = this.opts.extensions ?? DEFAULT_EXT;
        const lines = ['sink.test', ...ext.filter((e) => !(this.session.tls && e === 'STARTTLS'))];
        if (this.opts.auth && !ext.some((e) => e.startsWith('AUTH'))) lines.push('AUTH PLAIN LOGIN');
        const reply = lines.map((l, i) => `250${i === lines.length - 1 ? ' ' : '-'}${l}`).join('\r\n');
        return this.answer(verb, arg, reply);
      }
      case 'HELO':
        return this.answer(verb, arg, '250 sink.test');
      case 'STARTTLS':
        return this.startTls(arg);
      case 'AUTH':
        return this.auth(arg);
      case 'MAIL':
        this.mailFrom = /<([^>]*)>/.exec(arg)?.[1] ?? '';
        this.rcpts = [];
        this.setBusy(true);
        return this.answer(verb, arg, '250 2.1.0 Ok');
      case 'RCPT': {
        const addr = /<([^>]*)>/.exec(arg)?.[1] ?? '';
        const a = this.opts.reply?.({ command: verb, arg, session: this.session });
        if (a === 'drop') return (this.socket.destroy(), false);
        const text = a ?? (this.mailFrom === undefined ? '503 5.5.1 Need MAIL' : '250 2.1.5 Ok');
        if (a !== 'silent') this.send(text);
        if (text.startsWith('2')) this.rcpts.push(addr);
        return this.closeOn421(text);
      }
      case 'DATA': {
        const ok = this.rcpts.length > 0 ? '354 End data with <CR><LF>.<CR><LF>' : '554 5.5.1 No valid recipients';
        const a = this.opts.reply?.({ command: verb, arg, session: this.session });
        if (a === 'drop') return (this.socket.destroy(), false);
        const text = a ?? ok;
        if (a !== 'silent') this.send(text);
        if (text.startsWith('354')) this.mode = { kind: 'data', bytes: [] };
        else this.setBusy(false);
        return this.closeOn421(text);
      }
      case 'BDAT': {
        const m = /^(\d+)(\s+LAST)?$/i.exec(arg.trim());
        if (!m) return this.answer(verb, arg, '501 5.5.4 Syntax: BDAT size [LAST]');
        this.mode = { kind: 'bdat', remaining: Number(m[1]), last: m[2] !== undefined };
        return true;
      }
      case 'RSET':
        this.setBusy(false);
        this.mailFrom = undefined;
        this.rcpts = [];
        this.bdat = [];
        return this.answer(verb, arg, '250 2.0.0 Ok');
      case 'QUIT':
        this.setBusy(false);
        this.answer(verb, arg, '221 2.0.0 Bye');
        this.socket.end();
        return false;
      default:
        return this.answer(verb, arg, verb === 'NOOP' ? '250 2.0.0 Ok' : '502 5.5.2 Error: command not recognized');
    }
  }

  /** RFC 5321 §3.8: after 421 the server closes the channel. */
  private closeOn421(text: string): boolean {
    if (!text.startsWith('421')) return true;
    this.socket.end();
    return false;
  }

  private startTls(arg: string): boolean {
    if (!this.opts.tls) return this.answer('STARTTLS', arg, '502 5.5.1 Not supported');
    const a = this.opts.reply?.({ command: 'STARTTLS', arg, session: this.session });
    if (a === 'drop') return (this.socket.destroy(), false);
    if (a !== undefined && a !== 'silent') {
      this.send(a);
      return !a.startsWith('421');
    }
    this.send('220 2.0.0 Ready to start TLS');
    if (this.opts.tls === 'broken') {
      // Answer the ClientHello with garbage: the handshake itself fails.
      this.socket.removeAllListeners('data');
      this.socket.once('data', () => {
        this.socket.write('this is not a TLS handshake\r\n');
        this.socket.end();
      });
      return false;
    }
    const creds = this.creds as { cert: string; key: string };
    this.socket.removeAllListeners('data');
    const secure = new TLSSocket(this.socket, { isServer: true, cert: creds.cert, key: creds.key });
    secure.on('error', () => secure.destroy());
    secure.once('secure', () => {
      this.session.tls = true;
    });
    this.socket = secure;
    this.buf = Buffer.alloc(0);
    this.attach(secure);
    return false;
  }

  private auth(arg: string): boolean {
    const [mech = '', initial] = arg.split(' ');
    if (mech.toUpperCase() === 'PLAIN' && initial) {
      const [, user = '', pass = ''] = Buffer.from(initial, 'base64').toString('utf8').split('\0');
      return this.authResult(user, pass);
    }
    if (mech.toUpperCase() === 'LOGIN') {
      this.mode = { kind: 'auth-login', step: 'user' };
      return this.answer('AUTH', arg, `334 ${Buffer.from('Username:').toString('base64')}`);
    }
    return this.answer('AUTH', arg, '504 5.5.4 Unrecognized authentication type');
  }

  private authLogin(m: { kind: 'auth-login'; step: 'user' | 'pass'; user?: string }, text: string): void {
    const value = Buffer.from(text, 'base64').toString('utf8');
    if (m.step === 'user') {
      this.mode = { kind: 'auth-login', step: 'pass', user: value };
      this.send(`334 ${Buffer.from('Password:').toString('base64')}`);
      return;
    }
    this.mode = { kind: 'command' };
    this.authResult(m.user ?? '', value);
  }

  private authResult(user: string, pass: string): boolean {
    const ok = this.opts.auth !== undefined && user === this.opts.auth.user && pass === this.opts.auth.pass;
    if (ok) this.session.authenticatedAs = user;
    return this.answer('AUTH', user, ok ? '235 2.7.0 Authentication successful' : '535 5.7.8 Authentication credentials invalid');
  }
}
