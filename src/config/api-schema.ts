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
    /** The web dashboard, served from this listener (docs/dashboard.md); it talks only to the API. */
    dashboard: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** How long a login lasts without activity before the admin must log in again. */
        sessionTtl: duration('5m', '30d').default(parseDuration('12h')),
        /** Failed logins per admin account within `window` after which the account is locked for `window`. */
        lockout: z
          .strictObject({
            max: int(1, 1000).default(5),
            window: duration('1m', '1d').default(parseDuration('15m')),
          })
          .prefault({}),
        /**
         * The session cookie's Secure attribute. auto: set it, except on a plain-HTTP
         * listener bound to a non-loopback address (where browsers would drop it; put
         * a TLS proxy in front instead). Browsers treat http://127.0.0.1 and
         * http://localhost as secure contexts, so the default listener keeps Secure
         * (chromium keeps the __Host- cookie from http://127.0.0.1: test/e2e/dashboard-auth.test.ts).
         */
        secureCookie: z.enum(['auto', 'always', 'never']).default('auto'),
      })
      .prefault({}),
  })
  .optional();

export type ApiConfig = NonNullable<z.output<typeof apiSchema>>;
