import { z } from 'zod';
// A function declaration: usable here although schema.ts imports this file (called only when parsing).
import { splitHostPort } from './schema.js';
import { domainPattern, duration } from './values.js';

/**
 * One-click unsubscribe (RFC 8058) for bulk mail: where Baton serves the
 * unsubscribe URL, the keys that sign the per-recipient tokens, and the
 * mailto address. docs/deliverability.md#one-click-unsubscribe explains it.
 */
const secretSchema = z.strictObject({
  /** Names the key inside every token it signs; short, since it travels in every URL. */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,16}$/, 'must be 1-16 letters, digits, "-" or "_"'),
  /** The HMAC-SHA256 key. Redacted by `config check`. */
  secret: z.string().min(16, 'must be at least 16 characters (make one with `openssl rand -base64 32`)'),
});

export const unsubscribeSchema = z
  .strictObject({
    /** Where this node serves the unsubscribe endpoint ("0.0.0.0:8080"); absent: not served here (another node or a proxy does). */
    address: z
      .string()
      .refine((s) => splitHostPort(s) !== undefined, { message: 'must be "host:port" (IPv6 as "[::1]:port")' })
      .optional(),
    /** The public base of the URL put in List-Unsubscribe, e.g. "https://news.example.com"; RFC 8058 §3.1 requires HTTPS. */
    baseUrl: z
      .string()
      .refine((s) => {
        try {
          const u = new URL(s);
          return u.protocol === 'https:' && u.search === '' && u.hash === '';
        } catch {
          return false;
        }
      }, { message: 'must be an https:// URL without query or fragment, e.g. "https://news.example.com" (RFC 8058 §3.1 requires HTTPS)' })
      .transform((s) => s.replace(/\/+$/, '')),
    /** Token keys, the first signs; every one listed verifies (rotation: add a new first key, drop the old one later). */
    secrets: z
      .array(secretSchema)
      .min(1)
      .refine((l) => new Set(l.map((s) => s.id)).size === l.length, { message: 'each secret needs its own id' }),
    /** Tokens older than this are refused; absent: tokens never expire while their key is listed. */
    maxAge: duration('1d', '3650d').optional(),
    /** What an unsubscribe suppresses: mail from the sending domain of the message (domain) or all mail (global). */
    scope: z.enum(['domain', 'global']).default('domain'),
    /** Domain of the mailto address (unsubscribe+TOKEN@DOMAIN), accepted on the mx listener for that form only; absent: no mailto. */
    mailtoDomain: z
      .string()
      .transform((s) => s.toLowerCase())
      .refine((s) => domainPattern.test(s), { message: 'must be a domain name' })
      .optional(),
  })
  .optional();

/** The bulk stream's CAN-SPAM settings. */
export const bulkSchema = z.strictObject({
  /** Refuse bulk mail that cannot carry an unsubscribe (no `unsubscribe` config and no valid List-Unsubscribe of its own). */
  requireUnsubscribe: z.boolean().default(true),
  /** The sender's postal address, added under the text and HTML parts of bulk mail (CAN-SPAM); lines split by newlines. */
  postalAddress: z
    .string()
    .max(1000)
    .refine((s) => s.trim() !== '' && !/[\x00-\x09\x0b-\x1f\x7f]/.test(s), { message: 'must be text (lines separated by newlines), without other control characters' })
    .optional(),
});

export type UnsubscribeConfig = NonNullable<z.output<typeof unsubscribeSchema>>;
export type BulkConfig = z.output<typeof bulkSchema>;
