import { z } from 'zod';
// A function declaration: usable here although schema.ts imports this file (called only when parsing).
import { splitHostPort } from './schema.js';
import { parseDuration, parseSize } from '../core/index.js';
import { duration, int, size } from './values.js';

/**
 * The HTTP API (docs/api.md): send, read and act on the queue, webhooks,
 * metrics and health. Absent: no API on this node. The embedded default
 * (`npm start` without a file) serves it on 127.0.0.1:8025.
 */
export const apiSchema = z
  .strictObject({
    /** Where the API listens, "host:port" ("[::1]:8025" for IPv6). Keep it on loopback or behind a TLS proxy. */
    address: z.string().refine((s) => splitHostPort(s) !== undefined, { message: 'must be "host:port" (IPv6 as "[::1]:port")' }),
    /** Largest request body; a raw message or a JSON message with base64 attachments must fit. */
    bodyLimit: size('1KB', '100MB').default(parseSize('35MB')),
    /** Requests per key (token bucket, in memory on each node): `perSecond` sustained, up to `burst` at once. */
    rateLimit: z
      .strictObject({
        perSecond: int(1, 100_000).default(50),
        burst: int(1, 1_000_000).default(100),
      })
      .prefault({}),
    /** Failed authentications per client IP within `window` after which that IP gets 429 until they age out (stops key guessing). */
    authFailures: z
      .strictObject({
        max: int(1, 100_000).default(20),
        window: duration('1s', '1d').default(parseDuration('1m')),
      })
      .prefault({}),
  })
  .optional();

export type ApiConfig = NonNullable<z.output<typeof apiSchema>>;
