import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { verifyWebhookSignature } from '../../src/webhooks/index.js';

/** One event as a receiver gets it. */
export interface ReceivedEvent {
  readonly id: number;
  readonly type: string;
  readonly at: number;
  readonly queueId?: string;
  readonly [field: string]: unknown;
}

/** One POST as it arrived. */
export interface ReceivedPost {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly events: readonly ReceivedEvent[];
  /** The answer given. */
  readonly status: number;
}

/**
 * How to answer a POST: a status (after an optional delay), given the POST's
 * 0-based index; tests switch the behaviour by replacing `receiver.answer`.
 */
export type Answer = (post: { readonly index: number; readonly body: string }) => { readonly status: number; readonly delayMs?: number };

/**
 * A real webhook receiver (node:http) on a loopback port: records every POST
 * and its events, answers as the test says, can go down (port closed:
 * connection refused) and come back up on the same port.
 */
export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  readonly posts: ReceivedPost[];
  answer: Answer;
  /** Events of the 2xx-answered POSTs, in arrival order. */
  accepted(): ReceivedEvent[];
  /** Close the port (and any open connection): senders get connection refused. */
  down(): Promise<void>;
  /** Listen on the same port again. */
  up(): Promise<void>;
  stop(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const posts: ReceivedPost[] = [];
  const sockets = new Set<Socket>();
  let port = 0;
  const r = {
    answer: (() => ({ status: 200 })) as Answer,
  };
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const { status, delayMs } = r.answer({ index: posts.length, body });
      let events: ReceivedEvent[] = [];
      try {
        events = (JSON.parse(body) as { events: ReceivedEvent[] }).events;
      } catch {
        // recorded with no events; the test sees the body
      }
      const reply = () => {
        posts.push({ path: req.url ?? '', headers: req.headers, body, events, status });
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status < 300 ? 'ok' : 'not now');
      };
      if (delayMs) setTimeout(reply, delayMs);
      else reply();
    });
  };
  let server: Server;
  const listen = async () => {
    server = createServer(handle);
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port, host: '127.0.0.1' }, () => resolve());
    });
    port = (server.address() as AddressInfo).port;
  };
  const close = async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of sockets) s.destroy();
    await closed;
  };
  await listen();
  return Object.assign(r, {
    get url() {
      return `http://127.0.0.1:${port}${path}`;
    },
    get port() {
      return port;
    },
    posts,
    accepted: () => posts.filter((p) => p.status < 300).flatMap((p) => p.events),
    down: close,
    up: listen,
    stop: close,
  });
}

/** Every POST's signature checked the documented way (signature.ts); returns the ones that fail. */
export function badSignatures(posts: readonly ReceivedPost[], secret: string): ReceivedPost[] {
  return posts.filter((p) => !verifyWebhookSignature(secret, p.body, p.headers['baton-signature'] as string | undefined).ok);
}
