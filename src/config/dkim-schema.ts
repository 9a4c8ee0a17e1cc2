import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { duration } from './values.js';

/**
 * DKIM signing (RFC 6376) of outbound mail: the secret that encrypts the
 * private keys at rest, the signature's optional tags, and the staged key
 * rotation. The keys themselves live in the key store (`baton dkim keygen`),
 * not in this file. docs/deliverability.md explains the rotation states.
 */
export const dkimSchema = z
  .strictObject({
    /**
     * Encrypts the private keys in the key store (AES-256-GCM). Signing is on
     * when a secret is set. Redacted by `config check`. Prefer `secretFile`.
     */
    secret: z.string().min(16, 'must be at least 16 characters (make one with `openssl rand -base64 32`)').optional(),
    /** A file holding the secret (first line); relative to the config file. */
    secretFile: z.string().min(1).optional(),
    /** Write the signing time (t=, RFC 6376 §3.5). */
    timestamp: z.boolean().default(true),
    /** Signatures expire this long after signing (x=); absent: no x= tag. */
    expiry: duration('1h', '365d').optional(),
    /** How often DNS is asked whether pending keys are published (and retiring keys are retired). */
    checkInterval: duration('100ms', '1d').default(parseDuration('5m')),
    /** How long a replaced key stays retiring (its DNS record must stay) before it is retired. */
    retireAfter: duration('1s', '365d').default(parseDuration('7d')),
    /** Start a rotation when the active key is this old; absent: only `baton dkim rotate`. */
    rotateEvery: duration('1d', '3650d').optional(),
  })
  .refine((d) => !(d.secret !== undefined && d.secretFile !== undefined), { message: 'set either dkim.secret or dkim.secretFile, not both' });

export type DkimConfig = z.output<typeof dkimSchema>;
