import { connect, type Socket } from 'node:net';
import { decodeResponse, MilterProtocolError, PacketReader, type MilterResponse } from './codec.js';

/**
 * One connection to a milter: packets out, decoded replies in, each reply
 * awaited with a bound. Any error (socket, protocol, timeout) ends the
 * connection and fails every later read, so the conversation stops at once.
 */
export class MilterConnection {
  private readonly reader = new PacketReader();
  private readonly queue: MilterResponse[] = [];
  private waiter: { resolve: (r: MilterResponse) => void; reject: (e: Error) => void } | undefined;
  private failure: Error | undefined;

  private constructor(private readonly socket: Socket, private readonly label: string) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const p of this.reader.push(chunk)) this.deliver(decodeResponse(p));
      } catch (e) {
        this.fail(e as Error);
      }
    });
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.fail(new Error(`${label} closed the connection`)));
  }

  /** "unix:/path" or "inet:host:port" (Postfix's and Sendmail's socket forms). */
  static open(target: string, timeoutMs: number): Promise<MilterConnection> {
    const socket = target.startsWith('unix:') ? connect(target.slice(5)) : connect(inetTarget(target));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`milter ${target}: no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new MilterConnection(socket, `milter ${target}`));
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`milter ${target}: ${e.message}`));
      });
    });
  }

  /** Sends a packet, waiting while the socket's buffer is full (a long body). */
  async send(p: Buffer): Promise<void> {
    if (this.failure) throw this.failure;
    if (!this.socket.write(p)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => { this.socket.off('close', onClose); resolve(); };
        const onClose = () => { this.socket.off('drain', onDrain); reject(this.failure ?? new Error(`${this.label} closed the connection`)); };
        this.socket.once('drain', onDrain);
        this.socket.once('close', onClose);
      });
    }
  }

  /** The next reply, within `timeoutMs`. */
  next(timeoutMs: number): Promise<MilterResponse> {
    const ready = this.queue.shift();
    if (ready) return Promise.resolve(ready);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.fail(new Error(`${this.label}: no reply within ${timeoutMs} ms`)), timeoutMs);
      this.waiter = {
        resolve: (r) => { clearTimeout(timer); resolve(r); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      };
    });
  }

  /** Ends the connection with this reason: a pending or later read fails with it. */
  abort(reason: string): void {
    this.fail(new Error(`${this.label}: ${reason}`));
  }

  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private deliver(r: MilterResponse): void {
    const w = this.waiter;
    this.waiter = undefined;
    if (w) w.resolve(r);
    else this.queue.push(r);
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e instanceof MilterProtocolError ? new Error(`${this.label}: protocol error: ${e.message}`) : e;
    this.socket.destroy();
    const w = this.waiter;
    this.waiter = undefined;
    w?.reject(this.failure);
  }
}

function inetTarget(target: string): { host: string; port: number } {
  // inet:host:port, or inet:[v6]:port.
  const m = /^inet:(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(target);
  if (!m) throw new Error(`milter socket "${target}" is not "inet:host:port"`);
  return { host: (m[1] ?? m[2]) as string, port: Number(m[3]) };
}
