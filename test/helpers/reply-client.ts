import { connect, type Socket } from 'node:net';

/** One complete SMTP reply (all its lines) and when its last line arrived. */
export interface TimedReply {
  readonly at: number;
  readonly code: number;
  readonly text: string;
}

/**
 * A raw SMTP client on a Node socket that timestamps each reply, for tests
 * that are about timing (a pause before the greeting, a tarpit) or about
 * what a connection receives before something happens (a connection waiting
 * for a slot). Replies are read in order with `next()`; every wait is bounded.
 */
export class ReplyClient {
  readonly socket: Socket;
  /** When the TCP connection was established (ms, Date.now()). */
  connectedAt = 0;
  /** Everything received so far, as latin-1. */
  received = '';
  private readonly replies: TimedReply[] = [];
  private waiters: (() => void)[] = [];
  private closedAt: number | undefined;
  private readonly connected: Promise<void>;

  constructor(port: number, localAddress = '127.0.0.1') {
    this.socket = connect({ host: '127.0.0.1', port, localAddress });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => {
        this.connectedAt = Date.now();
        resolve();
      });
      this.socket.once('error', reject);
    });
    this.socket.on('error', () => undefined);
    let pending = '';
    let lines: string[] = [];
    this.socket.on('data', (d: Buffer) => {
      this.received += d.toString('latin1');
      pending += d.toString('latin1');
      for (let i = pending.indexOf('\r\n'); i >= 0; i = pending.indexOf('\r\n')) {
        const line = pending.slice(0, i);
        pending = pending.slice(i + 2);
        lines.push(line);
        if (/^\d{3} /.test(line) || !/^\d{3}-/.test(line)) {
          this.replies.push({ at: Date.now(), code: Number(line.slice(0, 3)), text: lines.join('\n') });
          lines = [];
        }
      }
      this.wake();
    });
    this.socket.once('close', () => {
      this.closedAt = Date.now();
      this.wake();
    });
  }

  /** Resolves once the TCP handshake completed (the server accepted the connection). */
  whenConnected(): Promise<void> {
    return this.connected;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  /** The next reply; rejects if the connection closes first or nothing comes within `timeoutMs`. */
  async next(timeoutMs = 20_000): Promise<TimedReply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = this.replies.shift();
      if (r) return r;
      if (this.closedAt !== undefined) throw new Error(`connection closed with no further reply; received: ${JSON.stringify(this.received)}`);
      if (Date.now() > deadline) throw new Error(`no reply within ${timeoutMs} ms; received: ${JSON.stringify(this.received)}`);
      await this.change(deadline - Date.now());
    }
  }

  /** When the server closed the connection; rejects if it stays open past `timeoutMs`. */
  async closed(timeoutMs = 20_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closedAt === undefined) {
      if (Date.now() > deadline) throw new Error(`still open after ${timeoutMs} ms; received: ${JSON.stringify(this.received)}`);
      await this.change(deadline - Date.now());
    }
    return this.closedAt;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private change(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(ms, 1));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** The JSON log lines of a Baton whose fields match `fields` (e.g. { msg: 'rejected', check: 'pregreet' }). */
export function logEntries(log: string, fields: Readonly<Record<string, unknown>>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue;
    }
    if (Object.entries(fields).every(([k, v]) => entry[k] === v)) out.push(entry);
  }
  return out;
}
