import type { SmtpReply } from '../../core/index.js';
import type { TlsInfo } from '../tls-policy.js';
import type { Capabilities } from './capabilities.js';
import { runTransaction } from './transaction.js';
import type { ConnectOptions, SendRequest, SendResult, SmtpConnection, TlsFallback } from './types.js';
import { WireError, type Wire } from './wire.js';

/** Default largest BDAT chunk: big enough that most messages go in one, small enough to bound a server's buffer. */
export const BDAT_CHUNK_SIZE = 1024 * 1024;

export interface SessionFacts {
  readonly opts: ConnectOptions;
  readonly greeting: SmtpReply;
  readonly capabilities: Capabilities;
  readonly tlsInfo?: TlsInfo;
  readonly tlsFallback?: TlsFallback;
  readonly authenticatedAs?: string;
}

/**
 * An open session, ready for transactions (see types.ts SmtpConnection). One
 * transaction at a time: a second `send` while one runs waits its turn.
 */
export class ClientConnection implements SmtpConnection {
  readonly host: string;
  readonly ip: string;
  readonly port: number;
  readonly greeting: SmtpReply;
  readonly capabilities: Capabilities;
  readonly tlsInfo?: TlsInfo;
  readonly tlsFallback?: TlsFallback;
  readonly authenticatedAs?: string;
  private count = 0;
  private closed = false;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly lmtp: boolean;

  constructor(
    private readonly wire: Wire,
    facts: SessionFacts,
  ) {
    this.host = facts.opts.host;
    this.ip = facts.opts.ip;
    this.port = facts.opts.port;
    this.lmtp = facts.opts.lmtp === true;
    this.greeting = facts.greeting;
    this.capabilities = facts.capabilities;
    if (facts.tlsInfo) this.tlsInfo = facts.tlsInfo;
    if (facts.tlsFallback) this.tlsFallback = facts.tlsFallback;
    if (facts.authenticatedAs !== undefined) this.authenticatedAs = facts.authenticatedAs;
  }

  get transactions(): number {
    return this.count;
  }

  get usable(): boolean {
    return !this.closed && !this.wire.failure;
  }

  send(tx: SendRequest): Promise<SendResult> {
    const run = async (): Promise<SendResult> => {
      if (!this.usable) {
        const message = this.wire.failure?.message ?? 'connection already closed';
        const last = { stage: 'mail' as const, error: { code: 'closed', message } };
        return {
          recipients: tx.recipients.map((r) => ({ address: `${r.address.local}@${r.address.domain}`, result: last, delivered: false, noticePassedOn: false })),
          last,
          reusable: false,
        };
      }
      this.count++;
      return runTransaction({ wire: this.wire, caps: this.capabilities, lmtp: this.lmtp, chunkSize: BDAT_CHUNK_SIZE }, tx);
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async reset(): Promise<boolean> {
    if (!this.usable) return false;
    const run = async (): Promise<boolean> => {
      try {
        this.wire.write('RSET\r\n');
        return (await this.wire.read()).code === 250;
      } catch {
        return false;
      }
    };
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  async quit(): Promise<void> {
    if (!this.usable) return this.close();
    this.closed = true;
    try {
      this.wire.write('QUIT\r\n');
      // RFC 5321 §4.1.1.10: the server answers 221 and closes; do not wait long.
      await this.wire.read(5000);
    } catch {
      // Already gone: nothing to do.
    }
    this.wire.kill(new WireError('closed by QUIT', 'closed'));
  }

  close(): void {
    this.closed = true;
    this.wire.kill(new WireError('closed by the client', 'closed'));
  }

  onClose(listener: (reason: string) => void): void {
    if (this.wire.failure) {
      listener(this.wire.failure.message);
      return;
    }
    this.wire.onClose((err) => listener(err.message));
  }
}
