import { connect, type Socket } from 'node:net';
import { splitHostPort } from '../../../config/index.js';

/**
 * clamd's INSTREAM command (https://docs.clamav.net/manual/Usage/Scanning.html#clamd,
 * clamd(8)): `zINSTREAM\0`, then the data in chunks each led by its length as
 * a 4-byte big-endian integer, then a zero length; clamd answers one
 * NUL-terminated line and closes.
 */

export type ClamdResult =
  | { readonly kind: 'clean' }
  | { readonly kind: 'infected'; readonly signature: string }
  /** clamd could not scan: its StreamMaxLength was exceeded, or another error. Not a virus. */
  | { readonly kind: 'error'; readonly reason: string };

/** clamd's default StreamMaxLength is 25 MB; chunks stay well below its buffers. */
const CHUNK = 64 * 1024;
/** A reply is one short line; anything longer is not clamd. */
const MAX_REPLY = 4096;

/**
 * Read clamd's reply line (with or without its NUL): `stream: OK`,
 * `stream: <signature> FOUND`, or `... ERROR` (e.g. `INSTREAM size limit
 * exceeded. ERROR`). Anything else is an error too: never read as clean.
 */
export function parseClamdReply(raw: string): ClamdResult {
  const line = raw.replace(/\0+$/, '').trim();
  // With IDSESSION clamd prefixes "<id>: "; with a plain command, "stream: ".
  const body = line.replace(/^(?:\d+: )?stream: /, '');
  if (body === 'OK' && body !== line) return { kind: 'clean' };
  const found = /^(\S(?:.*\S)?) FOUND$/.exec(body);
  if (found && body !== line) return { kind: 'infected', signature: found[1] as string };
  if (line === '') return { kind: 'error', reason: 'clamd closed the connection without an answer' };
  return { kind: 'error', reason: `clamd: ${line.slice(0, 200)}` };
}

/** Where clamd listens: a unix socket path, or "host:port". */
function connectTo(socket: string): Socket {
  if (socket.startsWith('/')) return connect({ path: socket });
  const hp = splitHostPort(socket);
  if (!hp) throw new Error(`not a clamd socket: ${socket}`);
  return connect({ host: hp.host, port: hp.port });
}

/**
 * Scan one message. Resolves with clamd's verdict, or rejects when clamd
 * cannot be reached or does not answer within `timeoutMs`.
 */
export function clamdScan(socketAddress: string, message: Buffer, timeoutMs: number): Promise<ClamdResult> {
  return new Promise((resolve, reject) => {
    const socket = connectTo(socketAddress);
    let reply = '';
    let settled = false;
    const done = (err: Error | undefined, result?: ClamdResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(result as ClamdResult);
    };
    const timer = setTimeout(() => done(new Error(`clamd did not answer within ${timeoutMs} ms`)), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      reply += d;
      const end = reply.indexOf('\0');
      if (end >= 0) done(undefined, parseClamdReply(reply.slice(0, end)));
      else if (reply.length > MAX_REPLY) done(new Error('clamd reply is too long'));
    });
    // clamd may answer and close before it has read everything (size limit
    // exceeded): the write then fails, but its answer is what counts.
    socket.on('error', (err) => (reply !== '' ? done(undefined, parseClamdReply(reply)) : done(new Error(`clamd at ${socketAddress}: ${err.message}`))));
    socket.on('close', () => done(undefined, parseClamdReply(reply)));
    socket.on('connect', () => {
      socket.write('zINSTREAM\0');
      for (let at = 0; at < message.length; at += CHUNK) {
        const chunk = message.subarray(at, Math.min(at + CHUNK, message.length));
        socket.write(lengthPrefix(chunk.length));
        socket.write(chunk);
      }
      socket.write(lengthPrefix(0));
    });
  });
}

function lengthPrefix(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}
