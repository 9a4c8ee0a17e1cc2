import { z } from 'zod';
// A function declaration: usable here although schema.ts imports this file (called only when parsing).
import { splitHostPort } from './schema.js';
import { parseSize } from '../core/index.js';
import { size } from './values.js';

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
  })
  .optional();
