import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { duration, int } from './values.js';

/**
 * Connection-stage defences (issue 10, part A): rate limits per client IP and
 * per network prefix, the pregreet test, and failed-login limits. Each is
 * applied by a check (DESIGN §9) named in `checks.<role>`; these sections hold
 * their numbers. docs/security.md says what is on for which role, and why.
 */

const WINDOWS: Record<string, { ms: number; word: string }> = {
  s: { ms: 1000, word: 'second' },
  sec: { ms: 1000, word: 'second' },
  second: { ms: 1000, word: 'second' },
  min: { ms: 60_000, word: 'minute' },
  minute: { ms: 60_000, word: 'minute' },
  h: { ms: 3_600_000, word: 'hour' },
  hour: { ms: 3_600_000, word: 'hour' },
  d: { ms: 86_400_000, word: 'day' },
  day: { ms: 86_400_000, word: 'day' },
};

/** At most `limit` events in any sliding `windowMs` ("60/min"); `word` names the window in replies. */
export interface WindowLimit {
  readonly limit: number;
  readonly windowMs: number;
  readonly word: string;
}

/** "60/min", "1000/h" (a count per second, minute, hour or day), or "off". */
export function parseWindowLimit(text: string): WindowLimit | 'off' {
  if (text.trim() === 'off') return 'off';
  const m = /^\s*(\d+)\s*\/\s*([a-z]+)\s*$/i.exec(text);
  const unit = WINDOWS[(m?.[2] ?? '').toLowerCase()];
  if (!m || !unit || Number(m[1]) < 1 || Number(m[1]) > 10_000_000) {
    throw new SyntaxError(`Cannot parse limit "${text}": use a count from 1 per s, min, h or d, e.g. "60/min", or "off"`);
  }
  return { limit: Number(m[1]), windowMs: unit.ms, word: unit.word };
}

const windowLimit = z.string().transform((v, ctx) => {
  try {
    return parseWindowLimit(v);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** Limits of one scope (a client IP, or its /24 or /64). */
const scopeLimits = (d: { connections: string; messages: string; recipients: string }) =>
  z
    .strictObject({
      /** New connections (counted at connect). Over it: 421 4.7.0 and close. Postfix: smtpd_client_connection_rate_limit. */
      connections: windowLimit.prefault(d.connections),
      /** MAIL commands (message delivery requests, as Postfix counts them). Over it: 421 4.7.0 and close. Postfix: smtpd_client_message_rate_limit. */
      messages: windowLimit.prefault(d.messages),
      /** RCPT commands. Over it: 450 4.7.1 for the recipient; the session goes on. Postfix: smtpd_client_recipient_rate_limit. */
      recipients: windowLimit.prefault(d.recipients),
    })
    .prefault({});

/**
 * Rate limits of the `connection-rate`, `message-rate` and `recipient-rate`
 * checks. Trusted networks and (for messages and recipients) authenticated
 * clients are exempt: their traffic is ours, and users have quotas.
 */
export const rateLimitsSchema = z.strictObject({
  /** Per client IP address. */
  client: scopeLimits({ connections: '60/min', messages: '300/min', recipients: '1500/min' }),
  /** Per /24 (IPv4) or /64 (IPv6) network of the client: a botnet or rented range moving between neighbours. */
  prefix: scopeLimits({ connections: '300/min', messages: '1500/min', recipients: '7500/min' }),
});

/** The `pregreet` check (Postfix postscreen's pregreet test). */
export const pregreetSchema = z.strictObject({
  /**
   * Pause before the 220 greeting for untrusted clients; a client that sends
   * anything before the greeting gets 554 5.5.0 and is closed. Real MTAs wait
   * for the greeting (RFC 5321 §3.1, up to 5 minutes, §4.5.3.2.1); bots that
   * talk first mostly do so at once, so a short pause catches them while
   * costing legitimate senders one second per connection.
   */
  wait: duration('100ms', '30s').default(parseDuration('1s')),
});

/** The `auth-failures` check: failed AUTH per client IP and per user. */
export const authFailuresSchema = z.strictObject({
  /** Failures are counted over this sliding window; a block lasts until they fall back under the limit. */
  window: duration('1m', '1d').default(parseDuration('15m')),
  /** Tarpit: from the second failure on, the 535 waits this long, doubling with each failure, up to `maxDelay`. */
  delay: duration('0s', '1m').default(parseDuration('1s')),
  maxDelay: duration('0s', '2m').default(parseDuration('16s')),
  /** Failures from one IP (any user) after which that IP gets 454 4.7.0 for every AUTH. */
  ipFailures: int(1, 100_000).default(20),
  /** Failures for one user from one IP after which that user gets 454 4.7.0 from that IP (other IPs still log in). */
  userFailures: int(1, 100_000).default(5),
  /** AUTH attempts while blocked after which the client gets 421 4.7.0 and is closed. */
  closeAfter: int(1, 1000).default(3),
});

export type RateLimitsConfig = z.output<typeof rateLimitsSchema>;
export type PregreetConfig = z.output<typeof pregreetSchema>;
export type AuthFailuresConfig = z.output<typeof authFailuresSchema>;
