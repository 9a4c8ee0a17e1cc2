import { credentialTag } from './route.js';
import type { ConnectOptions, ConnectResult, SmtpConnection } from './smtp-client.js';

/**
 * Reuse of outbound connections (DESIGN §3 step 7): idle connections are kept
 * per (egress source, MX address, TLS policy, credentials) for `idleMs`, and one
 * connection carries at most `maxMessages` transactions.
 */
export interface PoolOptions {
  readonly idleMs: number;
  readonly maxMessages: number;
  readonly connect: (opts: ConnectOptions) => Promise<ConnectResult>;
}

interface Idle {
  readonly connection: SmtpConnection;
  readonly timer: NodeJS.Timeout;
}

export class ConnectionPool {
  private readonly idle = new Map<string, Idle[]>();

  constructor(private readonly opts: PoolOptions) {}

  /** An idle connection to reuse (checked alive), else a new one. */
  async acquire(options: ConnectOptions): Promise<ConnectResult & { reused?: boolean }> {
    const key = poolKey(options);
    const list = this.idle.get(key);
    while (list && list.length > 0) {
      const entry = list.pop() as Idle;
      clearTimeout(entry.timer);
      if (list.length === 0) this.idle.delete(key);
      if (entry.connection.usable) return { ok: true, connection: entry.connection, reused: true };
    }
    return this.opts.connect(options);
  }

  /** Give a connection back after a transaction: kept for reuse, or closed politely. */
  release(options: ConnectOptions, connection: SmtpConnection, reusable: boolean): void {
    if (!reusable || !connection.usable || connection.transactions >= (options.maxMessages ?? this.opts.maxMessages) || this.opts.idleMs === 0) {
      void connection.quit();
      return;
    }
    const key = poolKey(options);
    const timer = setTimeout(() => this.expire(key, connection), this.opts.idleMs);
    timer.unref();
    const list = this.idle.get(key) ?? [];
    list.push({ connection, timer });
    this.idle.set(key, list);
  }

  /** Idle connections kept for reuse now (the pool size metric). */
  idleCount(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  async closeAll(): Promise<void> {
    const all: Promise<void>[] = [];
    for (const list of this.idle.values()) {
      for (const entry of list) {
        clearTimeout(entry.timer);
        all.push(entry.connection.quit());
      }
    }
    this.idle.clear();
    await Promise.allSettled(all);
  }

  private expire(key: string, connection: SmtpConnection): void {
    const list = this.idle.get(key);
    if (!list) return;
    const i = list.findIndex((e) => e.connection === connection);
    if (i >= 0) list.splice(i, 1);
    if (list.length === 0) this.idle.delete(key);
    void connection.quit();
  }
}

function poolKey(o: ConnectOptions): string {
  // The host name is part of the key: a certificate verified for one MX name
  // must not carry mail for another name that shares its address. So are the
  // credentials: a session logged in with one route's password must not carry
  // the mail of a route whose password is another.
  return [o.localAddress ?? '', o.host, o.ip, o.port, o.tls, o.tlsKey ?? '', o.heloName, credentialTag(o.auth), o.lmtp ? 'lmtp' : 'smtp'].join('|');
}
