import { Agent, request, type OutgoingHttpHeaders } from 'node:http';
import { parseRspamdReply, type RspamdReply } from './rspamd-reply.js';

/** A reply larger than this is not rspamd's (a normal one is a few KiB). */
const MAX_REPLY_BYTES = 1024 * 1024;

/**
 * Posts messages to rspamd's `/checkv2` (https://rspamd.com/doc/developers/protocol.html).
 *
 * Node's `http` rather than the built-in `fetch` (undici): the protocol sends
 * one `Rcpt` header per recipient, and fetch's Headers joins repeated headers
 * into one comma-separated line, which is not the same thing for addresses
 * whose quoted local part holds a comma. A keep-alive agent reuses
 * connections across messages, as rspamd's own proxy does.
 */
export class RspamdClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly target: URL;

  constructor(url: string) {
    this.target = new URL('checkv2', url.endsWith('/') ? url : `${url}/`);
  }

  /** Scan one message; rejects on a network error, an HTTP error, a bad reply, or after `timeoutMs`. */
  check(message: Buffer, headers: OutgoingHttpHeaders, timeoutMs: number): Promise<RspamdReply> {
    return this.post(message, headers, timeoutMs).catch((err: unknown) => {
      // A kept-alive connection rspamd closed just as we reused it: the request
      // never reached it, so sending it once more on a new connection is safe.
      if (err instanceof StaleConnection) return this.post(message, headers, timeoutMs);
      throw err;
    });
  }

  private post(message: Buffer, headers: OutgoingHttpHeaders, timeoutMs: number): Promise<RspamdReply> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.target,
        {
          method: 'POST',
          agent: this.agent,
          headers: { ...headers, 'Content-Length': message.length },
          signal: AbortSignal.timeout(timeoutMs),
        },
        (res) => {
          const parts: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_REPLY_BYTES) return req.destroy(new Error(`rspamd reply is larger than ${MAX_REPLY_BYTES} bytes`));
            parts.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const body = Buffer.concat(parts).toString('utf8');
            if (res.statusCode !== 200) return reject(new Error(`rspamd answered HTTP ${res.statusCode}: ${body.slice(0, 200)}`));
            try {
              resolve(parseRspamdReply(body));
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (err.name === 'AbortError') reject(new Error(`rspamd did not answer within ${timeoutMs} ms`));
        else if (req.reusedSocket && err.code === 'ECONNRESET') reject(new StaleConnection(err.message));
        else reject(err);
      });
      req.end(message);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

class StaleConnection extends Error {}
