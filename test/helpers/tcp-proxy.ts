import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy a test can cut and restore, to play "the database went away"
 * (issue 13) without stopping the PostgreSQL server other tests share.
 *
 *   const proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: 5432 } });
 *   ... point clients at 127.0.0.1:proxy.port ...
 *   proxy.cut();      // every open connection is reset, new ones are refused
 *   proxy.restore();  // new connections reach the target again
 *   await proxy.close();
 *
 * `cut()` resets (RST, `resetAndDestroy`) rather than closes: a server that
 * vanishes (crash, failover, a network partition ended by a firewall) looks
 * like that to a client, and a clean FIN would be kinder than reality. While
 * cut, the listener stays bound and accepted sockets are reset at once, so a
 * client sees ECONNRESET on connect, as with a server that is down but whose
 * address still answers.
 */
export interface TcpProxy {
  readonly host: string;
  readonly port: number;
  /** Connections accepted in all, and open now (both directions joined). */
  stats(): { accepted: number; open: number; refusedWhileCut: number };
  isCut(): boolean;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export interface TcpProxyOptions {
  readonly target: { readonly host: string; readonly port: number };
  /** Where to listen (default 127.0.0.1 and a free port). */
  readonly host?: string;
  readonly port?: number;
}

export async function startTcpProxy(opts: TcpProxyOptions): Promise<TcpProxy> {
  const host = opts.host ?? '127.0.0.1';
  const pairs = new Set<[Socket, Socket]>();
  let cutNow = false;
  let accepted = 0;
  let refusedWhileCut = 0;

  const reset = (s: Socket): void => {
    // resetAndDestroy (Node >= 16.17) sends RST; fall back to destroy when the socket is not connected yet.
    if (typeof s.resetAndDestroy === 'function' && !s.destroyed && s.readyState !== 'opening') s.resetAndDestroy();
    else s.destroy();
  };

  const server: Server = createServer((client) => {
    client.on('error', () => undefined);
    if (cutNow) {
      refusedWhileCut++;
      reset(client);
      return;
    }
    accepted++;
    const upstream = connect({ host: opts.target.host, port: opts.target.port });
    upstream.on('error', () => reset(client));
    client.on('error', () => reset(upstream));
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forget = (): void => {
      pairs.delete(pair);
    };
    client.once('close', () => {
      forget();
      upstream.destroy();
    });
    upstream.once('close', () => {
      forget();
      client.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('tcp proxy: no port');

  return {
    host,
    port: address.port,
    stats: () => ({ accepted, open: pairs.size, refusedWhileCut }),
    isCut: () => cutNow,
    cut() {
      cutNow = true;
      for (const [a, b] of [...pairs]) {
        reset(a);
        reset(b);
      }
      pairs.clear();
    },
    restore() {
      cutNow = false;
    },
    async close() {
      cutNow = true;
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
