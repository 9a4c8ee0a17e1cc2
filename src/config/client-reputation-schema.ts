import { z } from 'zod';
import { parseDnsblSite, parseDuration, type DnsblSite } from '../core/index.js';
import { duration, int } from './values.js';

/**
 * Settings of the checks that judge a client by its reputation and its
 * claims: DNS lists (`dnsbl`), HELO (`helo`), greylisting (`greylist`). The
 * checks themselves are named in `checks.<role>`; docs/security.md says which
 * are on by default and why.
 */

/** A site as a map: the same as the string "zone=filter*weight". */
const siteMap = z.strictObject({
  /** The list's DNS zone, e.g. "zen.spamhaus.org". */
  zone: z.string().min(1),
  /** Which answers count, e.g. "127.0.0.[2..11]"; any in 127/8 when absent. */
  filter: z.string().optional(),
  /** Added to the score when listed; negative for an allowlist. */
  weight: z.number().int().default(1),
});

/**
 * A site in postscreen's notation, or the same as a map. Both are parsed by
 * one transform after the union, so the parser's message (which octet, which
 * weight) reaches the operator instead of the union's "Invalid input".
 */
const siteSchema = z.union([z.string(), siteMap]).transform((v, ctx): DnsblSite => {
  const text = typeof v === 'string' ? v : `${v.zone}${v.filter !== undefined ? `=${v.filter}` : ''}*${v.weight}`;
  const parsed = parseDnsblSite(text);
  if (parsed.ok) return parsed.site;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

export const dnsblSchema = z.strictObject({
  /**
   * The lists, like postscreen_dnsbl_sites: "zone[=filter][*weight]" strings
   * or { zone, filter, weight } maps. None by default: a public list must be
   * chosen (and often registered for) by the operator.
   */
  sites: z.array(siteSchema).default([]),
  /** A client whose summed weights reach this is refused (554 5.7.1). Postfix: postscreen_dnsbl_threshold 1. */
  threshold: int(1, 1000).default(1),
  /** Longest wait for one list's answer; a list that has not answered counts as "not listed". */
  timeout: duration('100ms', '1m').default(parseDuration('5s')),
});

export const heloSchema = z.strictObject({
  /** HELO/EHLO that is neither a domain nor an address literal (RFC 5321 §4.1.1.1) gets 501 5.5.2. Postfix: reject_invalid_helo_hostname. */
  rejectInvalid: z.boolean().default(false),
  /** A HELO name without a dot gets 504 5.5.2. Postfix: reject_non_fqdn_helo_hostname. */
  rejectNonFqdn: z.boolean().default(false),
  /** A client that is not trusted and says HELO with our `hostname` or one of our listener addresses gets 550 5.7.1. */
  rejectOurName: z.boolean().default(true),
});

export const greylistSchema = z.strictObject({
  /** A new (client network, sender, recipient) is answered 451 4.7.1 until this much time has passed. Postgrey: --delay 300. */
  delay: duration('1s', '1d').default(parseDuration('5m')),
  /** The client must come back within this time after its first try, or it starts over. */
  retryWindow: duration('1m', '30d').default(parseDuration('24h')),
  /** After this many triplets passed, the client's network skips greylisting (0 = never). Postgrey: --auto-whitelist-clients 5. */
  allowlistAfter: int(0, 1000).default(5),
  /** How long a passed triplet and an allowlisted network are remembered since last seen. Postgrey: --max-age 35. */
  allowlistFor: duration('1h', '365d').default(parseDuration('35d')),
  /** Clients are grouped by this IPv4 prefix (a pool of outbound servers retries from any of them). */
  ipv4Prefix: int(8, 32).default(24),
  /** Clients are grouped by this IPv6 prefix. */
  ipv6Prefix: int(16, 128).default(64),
});

export type DnsblConfig = z.output<typeof dnsblSchema>;
export type HeloConfig = z.output<typeof heloSchema>;
export type GreylistConfig = z.output<typeof greylistSchema>;


