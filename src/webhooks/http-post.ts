import http from 'node:http';
import https from 'node:https';

/** What came of one POST. */
export interface PostResult {
  /** The HTTP status; absent when no response came (refused, reset, timed out). */
  readonly status?: number;
  /** 2xx (RFC 9110 §15.3): only then do the events count as delivered. */
  readonly ok: boolean;
  readonly durationMs: number;
  /** Why it failed, in words ("connection refused", "HTTP 500", "redirect to ... not followed"). */
  readonly error?: string;
  /** The start of the response body, as text. */
  readonly response?: string;
}

export type Poster = (url: string, body: string, headers: Readonly<Record<string, string>>) => Promise<PostResult>;

export interface HttpPosterOptions {
  readonly connectTimeoutMs: number;
  /** The whole exchange, connect to the last byte of the response. */
  readonly timeoutMs: number;
  /** Open connections, all receivers together (each endpoint has one POST in flight). */
  readonly maxConnections: number;
}

/** Bytes of a response body read; the rest is dropped with the connection (a receiver cannot make us buffer much). */
const RESPONSE_READ_LIMIT = 64 * 1024;
/** An idle keep-alive socket is closed after this long. */
const IDLE_SOCKET_MS = 15_000;
/** Characters of it kept for the delivery log. */
const RESPONSE_SNIPPET = 300;

/**
 * POSTs with node's own http/https clients: keep-alive agents with a bounded
 * socket count, a connect timeout and a total one, no redirects followed
 * (a 3xx is a failure: the operator fixes the URL, we do not send signed
 * events somewhere else), and a bounded read of the answer. Node's `http`
 * needs no extra dependency and gives each of these limits directly.
 */
export function httpPoster(opts: HttpPosterOptions): Poster & { close(): void } {
  // No maxTotalSockets: with keep-alive, idle sockets to one receiver would
  // hold the slots another needs until the first receiver closes them
  // (measured: a 5 s stall). The bound is on POSTs in flight instead, and
  // idle sockets are closed after IDLE_SOCKET_MS.
  const agentOpts = { keepAlive: true, maxSockets: opts.maxConnections, maxFreeSockets: 2, timeout: IDLE_SOCKET_MS };
  const agents = { 'http:': new http.Agent(agentOpts), 'https:': new https.Agent(agentOpts) };
  const slots = new Slots(opts.maxConnections);
  const post: Poster = async (url, body, headers) => {
    await slots.take();
    try {
      return await postOnce(url, body, headers);
    } finally {
      slots.give();
    }
  };
  const postOnce: Poster = (url, body, headers) =>
    new Promise<PostResult>((resolve) => {
      const started = performance.now();
      let settled = false;
      let connect: NodeJS.Timeout | undefined;
      let total: NodeJS.Timeout | undefined;
      const done = (r: Omit<PostResult, 'durationMs'>) => {
        if (settled) return;
        settled = true;
        clearTimeout(total);
        clearTimeout(connect);
        resolve({ ...r, durationMs: Math.round(performance.now() - started) });
      };
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        return done({ ok: false, error: `not a URL: ${url}` });
      }
      const agent = target.protocol === 'https:' ? agents['https:'] : target.protocol === 'http:' ? agents['http:'] : undefined;
      if (!agent) return done({ ok: false, error: `${target.protocol} URLs are not supported (http: or https:)` });
      const client = target.protocol === 'https:' ? https : http;
      const req = client.request(target, { method: 'POST', agent, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } });
      total = setTimeout(() => req.destroy(new Error(`no complete answer within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      req.on('socket', (socket) => {
        // A reused keep-alive socket is already connected; only a new one gets the connect timer.
        if (!socket.connecting) return;
        connect = setTimeout(() => req.destroy(new Error(`could not connect within ${opts.connectTimeoutMs} ms`)), opts.connectTimeoutMs);
        socket.once(target.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connect));
      });
      req.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, error: describeError(err) }));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          const status = res.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_SNIPPET);
          const ok = status >= 200 && status < 300;
          const error = ok ? undefined : status >= 300 && status < 400 ? `HTTP ${status}: redirect to ${res.headers.location ?? '(no Location)'} not followed` : `HTTP ${status}`;
          done({ status, ok, ...(error ? { error } : {}), ...(text ? { response: text } : {}) });
        };
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= RESPONSE_READ_LIMIT) chunks.push(chunk);
          else {
            // Enough: drop the connection rather than read an endless answer.
            res.destroy();
            finish();
          }
        });
        res.on('end', finish);
        res.on('error', () => finish());
      });
      req.end(body);
    });
  return Object.assign(post, {
    close() {
      agents['http:'].destroy();
      agents['https:'].destroy();
    },
  });
}

function describeError(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'ENOTFOUND':
      return 'host name not found';
    case 'EAI_AGAIN':
      return 'host name lookup failed (temporary)';
    default:
      return err.message;
  }
}

/** A counting semaphore: at most `max` holders, the others wait in order. */
class Slots {
  private used = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly max: number) {}

  take(): Promise<void> {
    if (this.used < this.max) {
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  give(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.used--;
  }
}
