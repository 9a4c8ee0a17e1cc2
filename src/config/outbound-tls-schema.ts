import { z } from 'zod';
import { parseDuration, parseMailbox, parseSize } from '../core/index.js';
import { duration, int, size } from './values.js';

/**
 * Outbound transport security (issue 14; docs/security.md "Outbound TLS"):
 * MTA-STS (RFC 8461) and DANE (RFC 7672) under `delivery`, TLS-RPT reports
 * (RFC 8460) and REQUIRETLS (RFC 8689) at the top level. Each part owns its
 * object here.
 */

/** delivery.mtaSts: honour the recipient domain's MTA-STS policy. */
export const mtaStsSchema = z.strictObject({
  /** Look up, cache and apply MTA-STS policies for MX delivery. */
  enabled: z.boolean().default(true),
  /**
   * The HTTPS port of the policy host. RFC 8461 §3.3 fixes it at 443; another
   * value is only for tests that cannot bind 443 (docs say so).
   */
  policyPort: int(1, 65_535).default(443),
  /** How long one policy fetch may take, connection to last byte (RFC 8461 §3.3 suggests about a minute). */
  fetchTimeout: duration('1s', '5m').default(parseDuration('1m')),
  /** Largest policy body accepted (RFC 8461 §3.3: senders may cap it; 64 KiB is plenty). */
  maxPolicySize: size('1KB', '1MB').default(parseSize('64KB')),
});

/** delivery.dane: DANE for SMTP with TLSA records validated by the configured resolvers (the AD bit). */
export const daneSchema = z.strictObject({
  /** Apply DANE where a validating resolver returns authenticated TLSA records for an MX host. */
  enabled: z.boolean().default(true),
});

/** tlsRpt: daily aggregate TLS reports to the policy domains' `rua` (RFC 8460). */
export const tlsRptSchema = z.strictObject({
  /** Record TLS results and send the daily reports. */
  enabled: z.boolean().default(false),
  /** RFC 8460 §4.4 organization-name; absent: the node's hostname. */
  organization: z.string().min(1).max(200).optional(),
  /** RFC 8460 §4.4 contact-info: a mailto: or https: URI, or an address; absent: postmaster@ the hostname. */
  contact: z
    .string()
    .refine((v) => /^(mailto:|https:\/\/)\S+$/.test(v) || parseMailbox(v) !== undefined, { message: 'must be an e-mail address, a mailto: URI or an https:// URL' })
    .optional(),
  /** The envelope sender and From: of mailed reports; absent: noreply-tlsrpt@ the hostname. */
  from: z
    .string()
    .refine((v) => parseMailbox(v) !== undefined, { message: 'must be an e-mail address (local@domain)' })
    .optional(),
  /** Time of day (UTC, HH:MM) after which the previous day's reports are sent. */
  sendAt: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be a UTC time of day, HH:MM (e.g. "01:00")' })
    .default('01:00'),
  /** Sends of one day's report to one domain before giving up on it. */
  attempts: int(1, 20).default(5),
  /** Wait between attempts of a failed report. */
  retryEvery: duration('1m', '6h').default(parseDuration('30m')),
  /** Time limit of one HTTPS report POST (RFC 8460 §5.2). */
  timeout: duration('1s', '5m').default(parseDuration('30s')),
  /** Keep the daily counts this long (for `baton tlsrpt show`). */
  keep: duration('2d', '366d').default(parseDuration('31d')),
});

/** requireTls: the REQUIRETLS SMTP extension (RFC 8689). */
export const requireTlsSchema = z.strictObject({
  /** Offer REQUIRETLS in EHLO to clients on TLS. */
  advertise: z.boolean().default(true),
});
