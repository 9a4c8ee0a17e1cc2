import { z } from 'zod';
import { parseDuration, parseSize } from '../core/index.js';
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
});

/** requireTls: the REQUIRETLS SMTP extension (RFC 8689). */
export const requireTlsSchema = z.strictObject({
  /** Offer REQUIRETLS in EHLO to clients on TLS. */
  advertise: z.boolean().default(true),
});
