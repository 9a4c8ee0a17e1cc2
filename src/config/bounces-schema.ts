import { z } from 'zod';
import { parseMailbox } from '../core/index.js';
import { domainName } from './values.js';

/** Where a suppression fed by a bounce or a complaint applies: every sender, or only the original sender's domain. */
const suppressScope = z.enum(['global', 'domain']);

/**
 * Bounces (docs/deliverability.md "Bounce classification", "Return path
 * (VERP)"): the classification rules, how hard bounces suppress, and the
 * signed per-message return path that lets a bounce arriving days later be
 * matched to its message and recipient.
 */
export const bouncesSchema = z
  .strictObject({
    /** A YAML or JSON file of classification rules, tried before the shipped ones; relative to the config file. */
    rules: z.string().min(1).optional(),
    /** Scope of the suppression a hard bounce (bad mailbox or domain) adds: `global`, or `domain` (the original sender's domain only). */
    suppressScope: suppressScope.default('global'),
    /** The domain of the return path `bounce+TOKEN@domain`; its MX must point at Baton's mx listener. Absent: no VERP. */
    domain: domainName.refine((d) => !d.startsWith('*.'), { message: 'one domain, not a pattern' }).optional(),
    /** HMAC keys of the return-path token: the first signs, all verify (add a new one first to rotate, drop the old one after `queue.lifetime` and some days). Redacted by `config check`. */
    secrets: z
      .array(
        z.strictObject({
          id: z.string().regex(/^[a-z0-9]{1,8}$/, 'an id is 1-8 lower-case letters or digits'),
          secret: z.string().min(16, 'must be at least 16 characters (make one with `openssl rand -base64 32`)'),
        }),
      )
      .refine((l) => new Set(l.map((s) => s.id)).size === l.length, { message: 'secret ids must differ' })
      .default([]),
    /** Which streams get the VERP return path (when `domain` is set). */
    verp: z
      .strictObject({
        transactional: z.boolean().default(false),
        bulk: z.boolean().default(true),
      })
      .prefault({}),
  })
  .refine((b) => b.domain === undefined || b.secrets.length > 0, { message: 'bounces.domain needs at least one entry in bounces.secrets', path: ['secrets'] });

/**
 * Complaints (RFC 5965 ARF feedback reports) sent by mailbox providers'
 * feedback loops to these addresses are processed, not delivered: the
 * complainer is suppressed.
 */
export const complaintsSchema = z.strictObject({
  /** Addresses that receive feedback-loop reports (e.g. "fbl@example.com"); accepted on mx listeners. */
  addresses: z.array(z.string().refine((a) => parseMailbox(a) !== undefined, { message: 'an address, "user@domain"' })).default([]),
  /** Scope of the suppression a complaint adds: `global`, or `domain` (the original sender's domain only). */
  suppressScope: suppressScope.default('global'),
});

export type BouncesConfig = z.output<typeof bouncesSchema>;
export type ComplaintsConfig = z.output<typeof complaintsSchema>;
