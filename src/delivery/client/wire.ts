import type { Socket } from 'node:net';
import type { SmtpReply } from '../../core/index.js';
import { ReplyProtocolError, ReplyReader } from './reply-reader.js';

/**
 * The byte pipe under one SMTP client connection: writes commands (corked, so a
 * pipelined batch leaves in one segment), hands out replies in order with a
 * per-read timeout, and turns every socket problem into one WireError. After a
 * WireError the wire is dead; callers report a `connection` failure.
 */

export class WireError extends Error {
  override readonly name = 'WireError';
  /** 'timeout', 'closed', 'protocol', 'tls' or the socket's errno code ('ECONNRESET', ...). */
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

type Waiter = { resolve: (r: SmtpReply) => void; reject: (e: WireError) => void; timer: NodeJS.Timeout };

export class Wire {
  private reader = new ReplyReader();
  private readonly waiters: Waiter[] = [];
  private dead: WireError | undefined;
  private readonly closeListeners: ((err: WireError) => void)[] = [];
  private detachFn: (() => void) | undefined;

  constructor(
    public socket: Socket,
    private readonly commandTimeout: number,
  ) {
    this.attach(socket);
  }

  get failure(): WireError | undefined {
    return this.dead;
  }

  /** Called once when the wire dies (server closed, socket error, timeout, protocol error). */
  onClose(listener: (err: WireError) => void): void {
    this.closeListeners.push(listener);
  }

  /** Switch to a new socket (the TLS socket after STARTTLS); the old one's listeners go. */
  replaceSocket(socket: Socket): void {
    this.detachFn?.();
    this.socket = socket;
    // RFC 3207 §4.2 / CVE-2011-0411 class: nothing received before TLS may be
    // used after it, so the reader starts empty.
    this.reader = new ReplyReader();
    this.attach(socket);
  }

  /** Detach from the socket without closing it (before a TLS upgrade takes it over). */
  detach(): void {
    this.detachFn?.();
    this.detachFn = undefined;
    this.socket.on('error', ignore);
  }

  /** Bytes already received beyond the last complete reply. */
  get pendingInput(): number {
    return this.reader.pendingBytes;
  }

  write(...chunks: (string | Buffer)[]): void {
    if (this.dead) return;
    const s = this.socket;
    s.cork();
    for (const c of chunks) s.write(c);
    // uncork on the next tick would also work; doing it now sends one segment per batch.
    s.uncork();
  }

  /** Wait until the socket has flushed its buffer (large messages), bounded by the command timeout. */
  async drained(): Promise<void> {
    if (this.dead) throw this.dead;
    if (!this.socket.writableNeedDrain) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        reject(this.kill(new WireError(`timeout after ${this.commandTimeout} ms writing to the server`, 'timeout')));
      }, this.commandTimeout);
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onDead = (e: WireError): void => {
        cleanup();
        // A server may refuse mid-transfer (552 too big) and close: its reply is the news.
        if (this.reader.hasReply) resolve();
        else reject(e);
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.socket.off('drain', onDrain);
        const i = this.closeListeners.indexOf(onDead);
        if (i >= 0) this.closeListeners.splice(i, 1);
      };
      this.socket.on('drain', onDrain);
      this.closeListeners.push(onDead);
    });
  }

  /** The next reply; rejects with WireError. */
  read(timeout = this.commandTimeout): Promise<SmtpReply> {
    if (this.waiters.length === 0) {
      const r = this.reader.shift();
      if (r) return Promise.resolve(r);
    }
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.kill(new WireError(`timeout after ${timeout} ms waiting for the server's reply`, 'timeout'));
      }, timeout);
      this.waiters.push({ resolve, reject, timer });
    });
  }

  /** Kill the wire: destroys the socket and fails every pending read. Idempotent. */
  kill(err: WireError): WireError {
    if (this.dead) return this.dead;
    this.dead = err;
    this.detachFn?.();
    // A late 'error' from a dying socket must not become an uncaught exception.
    this.socket.on('error', ignore);
    this.socket.destroy();
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(err);
    }
    for (const l of this.closeListeners.splice(0)) l(err);
    return err;
  }

  private attach(socket: Socket): void {
    const onData = (chunk: Buffer): void => {
      try {
        this.reader.push(chunk);
      } catch (err) {
        const msg = err instanceof ReplyProtocolError ? err.message : String(err);
        this.kill(new WireError(`protocol error: ${msg}`, 'protocol'));
        return;
      }
      this.deliver();
    };
    const onError = (err: Error): void => {
      const code = (err as NodeJS.ErrnoException).code ?? 'socket';
      this.kill(new WireError(`socket error: ${err.message}`, code));
    };
    const onClose = (): void => {
      this.kill(new WireError('connection closed by the server', 'closed'));
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.on('end', onClose);
    this.detachFn = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      socket.off('end', onClose);
    };
  }

  private deliver(): void {
    while (this.waiters.length > 0) {
      const r = this.reader.shift();
      if (!r) return;
      const w = this.waiters.shift() as Waiter;
      clearTimeout(w.timer);
      w.resolve(r);
    }
  }
}

function ignore(): void {
  // Errors are reported once, through kill(); later ones carry no news.
}
