import { TLSSocket } from 'node:tls';
import type { SmtpReply } from '../core/index.js';
import { formatReply, Replies, SmtpError, toWireReply } from '../core/index.js';
import type { ContentScanner } from './content-scanner.js';
import type { DataReader } from './data-reader.js';
import { unmapIpv4 } from './policy/networks.js';
import { ProgressDeadline } from './progress-deadline.js';
import type { SaslExchange } from './sasl-exchange.js';
import type { AnySocket, SessionContext } from './session-types.js';
import type { Transaction } from './transaction.js';

/**
 * The I/O half of an SMTP session: socket, timers, input buffering with
 * backpressure, replies in order, asynchronous steps, and closing. The
 * protocol half (`session.ts`) decides what each line or chunk means.
 * Input that arrives while an asynchronous step (AUTH check, enqueue) runs
 * waits in the buffer, so replies always keep the order of commands.
 */

/** RFC 5321 §4.5.3.1.4: 512 octets, plus room for ESMTP parameters (RFC 1869 §4.1.2). */
const MAX_COMMAND_LINE = 2048;
/** RFC 4954 §4: a SASL response line may be up to 12288 octets. */
const MAX_AUTH_LINE = 12288;
/** Unprocessed input kept while a step runs or replies wait to drain; reading pauses beyond it. */
const MAX_BUFFERED_INPUT = 256 * 1024;

export type Phase =
  | { readonly kind: 'command' }
  | { readonly kind: 'skip-line' }
  | { readonly kind: 'auth'; readonly exchange: SaslExchange }
  | { readonly kind: 'data'; readonly reader: DataReader; readonly scanner: ContentScanner }
  | { readonly kind: 'bdat'; remaining: number; readonly last: boolean; readonly scanner: ContentScanner | undefined }
  | { readonly kind: 'tls-handshake' }
  | { readonly kind: 'closed' };

export abstract class SessionIo {
  protected socket: AnySocket;
  protected phase: Phase = { kind: 'command' };
  protected input: Buffer = Buffer.alloc(0);
  protected busy = false;
  protected tx: Transaction | undefined;
  protected readonly clientIp: string;
  protected readonly clientPort: number;
  private output = '';
  /** A timeout or server stop that arrived during an asynchronous step: acted on when it ends. */
  private pendingClose: SmtpReply | undefined;
  private greeted = false;
  private errors = 0;
  private sessionTimer: NodeJS.Timeout | undefined;
  private finished = false;
  private readonly deadline: ProgressDeadline;

  constructor(
    socket: AnySocket,
    protected readonly ctx: SessionContext,
  ) {
    this.socket = socket;
    this.clientIp = unmapIpv4(socket.remoteAddress ?? '');
    this.clientPort = socket.remotePort ?? 0;
    this.deadline = new ProgressDeadline(ctx.limits.commandTimeout, ctx.limits.minDataRate, () => {
      this.ctx.logger.info({ client: this.clientIp }, 'client too slow: command or data past its deadline');
      this.timedOut(Replies.tooSlow());
    });
  }

  /** Time to greet: the protocol half runs its connect checks, then calls sendGreeting (or closes). */
  protected abstract greet(): void;
  /** Input arrived before the greeting was written: refuse (554 5.5.0) and close. */
  protected abstract talkedTooSoon(): void;
  /** A complete line in the command or auth phase (CRLF removed, already checked). */
  protected abstract onLine(phase: Phase, line: string): void;
  protected abstract readData(phase: Extract<Phase, { kind: 'data' }>): void;
  protected abstract readBdat(phase: Extract<Phase, { kind: 'bdat' }>): void;

  /** Send the greeting (after `greetingDelay`, if any) and start reading. */
  start(greetingDelayMs: number): void {
    this.attach(this.socket);
    this.sessionTimer = setTimeout(() => this.close(Replies.sessionTooLong()), this.ctx.limits.sessionTimeout);
    this.sessionTimer.unref();
    const greet = () => {
      if (this.phase.kind !== 'closed') this.greet();
    };
    if (greetingDelayMs > 0) setTimeout(greet, greetingDelayMs).unref();
    else greet();
  }

  /** The 220 greeting (RFC 5321 §4.3.1); input that came before it was a protocol error. */
  protected sendGreeting(): void {
    if (this.phase.kind === 'closed') return;
    this.greeted = true;
    this.reply(Replies.greeting(this.ctx.hostname));
    this.flush();
  }

  /** Server shutdown: answer 421 and close (RFC 5321 §3.8). */
  shutdown(): void {
    if (this.busy) this.pendingClose = Replies.shuttingDown();
    else this.close(Replies.shuttingDown());
  }

  protected attach(socket: AnySocket): void {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.setTimeout(this.ctx.limits.idleTimeout);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('timeout', () => this.timedOut(Replies.idleTimeout()));
    socket.on('drain', () => this.pump());
    socket.on('error', (err) => {
      this.ctx.logger.debug({ client: this.clientIp, err: err.message }, 'connection error');
      this.destroy();
    });
    socket.on('close', () => this.destroy());
  }

  private timedOut(reply: SmtpReply): void {
    // Never cut a client off while its message is being committed: it would
    // see 421 after we stored the message, and send it again.
    if (this.busy) this.pendingClose = reply;
    else this.close(reply);
  }

  private onData(chunk: Buffer): void {
    if (this.phase.kind === 'closed' || this.phase.kind === 'tls-handshake') return;
    if (!this.greeted) {
      // A client that talks before the greeting is not a real MTA (Postfix postscreen "pregreet").
      this.ctx.logger.info({ client: this.clientIp }, 'client talked before the greeting; dropped');
      this.talkedTooSoon();
      return;
    }
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    this.pump();
  }

  /** Process buffered input until it runs out or an asynchronous step starts. */
  private pump(): void {
    // A client that does not read its replies must not make us buffer them
    // without end: stop reading until the socket drains.
    while (!this.busy && this.input.length > 0 && !this.socket.writableNeedDrain) {
      const phase = this.phase;
      if (phase.kind === 'closed' || phase.kind === 'tls-handshake') break;
      if (phase.kind === 'data' || phase.kind === 'bdat') {
        const before = this.input.length;
        if (phase.kind === 'data') this.readData(phase);
        else this.readBdat(phase);
        this.deadline.content(before - this.input.length);
        if (this.phase.kind !== 'data' && this.phase.kind !== 'bdat') this.deadline.clear();
      } else if (!this.readLine(phase)) break;
    }
    this.flush();
    if (this.phase.kind === 'closed') return;
    if (this.busy || this.socket.writableNeedDrain || this.input.length > MAX_BUFFERED_INPUT) this.socket.pause();
    else this.socket.resume();
  }

  /** Take one CRLF-terminated line; returns false when no complete line is buffered. */
  private readLine(phase: Phase): boolean {
    const lf = this.input.indexOf(0x0a);
    const limit = phase.kind === 'auth' ? MAX_AUTH_LINE : MAX_COMMAND_LINE;
    if (lf < 0) {
      this.deadline.lineStarted();
      if (this.input.length > limit) {
        // Overlong line: answer once, then discard up to its end.
        this.input = Buffer.alloc(0);
        if (phase.kind !== 'skip-line') {
          this.phase = { kind: 'skip-line' };
          this.error(Replies.lineTooLong());
        }
      }
      return false;
    }
    const raw = this.input.subarray(0, lf);
    this.input = this.input.subarray(lf + 1);
    this.deadline.lineDone();
    if (phase.kind === 'skip-line') {
      this.phase = { kind: 'command' };
      return true;
    }
    if (raw.length + 1 > limit) {
      this.error(Replies.lineTooLong());
      return true;
    }
    // RFC 5321 §2.3.8: lines end with CRLF; a bare LF is refused, not guessed at.
    if (raw[raw.length - 1] !== 0x0d || raw.indexOf(0) >= 0 || raw.subarray(0, -1).indexOf(0x0d) >= 0) {
      this.error(Replies.syntax());
      return true;
    }
    const line = raw.toString('utf8', 0, raw.length - 1);
    this.onLine(phase, line);
    return true;
  }

  /** Run an asynchronous step; input waits, and an unexpected error becomes 451 4.3.0. */
  protected runAsync(step: () => Promise<void>): void {
    this.busy = true;
    step()
      .catch((err: unknown) => {
        if (err instanceof SmtpError) this.ctx.logger.info({ client: this.clientIp, source: err.source, reason: err.message }, 'message refused');
        else this.ctx.logger.error({ client: this.clientIp, err }, 'session step failed');
        this.error(toWireReply(err));
      })
      .finally(() => {
        this.busy = false;
        if (this.phase.kind === 'closed') return;
        const pending = this.pendingClose ?? (this.ctx.isStopping() ? Replies.shuttingDown() : undefined);
        if (pending) return this.close(pending);
        this.pump();
      });
  }

  protected reply(reply: SmtpReply): void {
    this.output += formatReply(reply);
  }

  /** A refusal: counts towards the error limit (Postfix smtpd_hard_error_limit). */
  protected error(reply: SmtpReply): void {
    this.reply(reply);
    if (++this.errors >= this.ctx.limits.errorsBeforeDisconnect) this.close(Replies.tooManyErrors());
  }

  protected flush(): void {
    if (this.output === '' || this.socket.destroyed) return;
    this.socket.write(this.output);
    this.output = '';
  }

  /** Send a last reply and close; input after this is ignored. */
  protected close(last: SmtpReply): void {
    if (this.phase.kind === 'closed') return;
    this.reply(last);
    this.flush();
    this.releaseContent();
    this.phase = { kind: 'closed' };
    this.input = Buffer.alloc(0);
    this.socket.end();
    if (last.code === 221 && !(this.socket instanceof TLSSocket) && this.socket.writableLength === 0) {
      // QUIT answered and the reply is with the kernel, which sends it before
      // the FIN: close now rather than wait for the client's side to arrive.
      this.socket.destroy();
    } else {
      // Any other close (421, 554): keep reading and discarding, so that the
      // last reply is not lost to a reset caused by unread input; a client
      // that never closes its side is cut off.
      this.socket.resume();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    }
    this.finish();
  }

  private destroy(): void {
    this.releaseContent();
    this.phase = { kind: 'closed' };
    this.socket.destroy();
    this.finish();
  }

  /** Content of an unfinished message goes back to the shared memory budget. */
  private releaseContent(): void {
    if (this.phase.kind === 'data') this.phase.scanner.release();
    if (this.phase.kind === 'bdat') this.phase.scanner?.release();
    this.tx?.chunking?.release();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;

    clearTimeout(this.sessionTimer);
    this.deadline.stop();
    this.ctx.onClose();
  }
}
