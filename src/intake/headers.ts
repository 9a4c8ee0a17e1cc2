import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { decodeWords } from 'postal-mime';
import { fieldRanges, formatMailbox, hasHeader, type Origin, type Recipient } from '../core/index.js';

/** RFC 5322 §3.3 date-time, in UTC: "Sat, 28 Nov 2026 16:37:46 +0000". */
export function rfc5322Date(ms: number): string {
  // One format per second: every message of that second shares it.
  const second = Math.floor(ms / 1000);
  if (second !== lastDate.second) {
    lastDate.second = second;
    lastDate.text = new Date(second * 1000).toUTCString().replace(/GMT$/, '+0000');
  }
  return lastDate.text;
}
const lastDate = { second: -1, text: '' };

/** RFC 5321 §4.1.3 address literal body: "192.0.2.1" or "IPv6:2001:db8::1". */
function addressLiteral(ip: string): string {
  return isIP(ip) === 6 ? `IPv6:${ip}` : ip;
}

/** RFC 3848 "with" protocol names. */
function protocolName(origin: Origin): string {
  if (origin.esmtp === false) return 'SMTP';
  return `ESMTP${origin.tls ? 'S' : ''}${origin.user ? 'A' : ''}`;
}

/** Strip what must not appear inside a header comment or the HELO token. */
function clean(text: string): string {
  return text.replace(/[^\x21-\x7e]/g, '?').replace(/[()\\]/g, '?').slice(0, 255);
}

/**
 * The trace header (RFC 5321 §4.4), folded over several lines. The "for"
 * clause is given only for a single recipient, so a message to many does not
 * reveal its other recipients to each of them.
 */
export function receivedHeader(opts: {
  readonly origin: Origin;
  readonly hostname: string;
  readonly queueId: string;
  readonly recipients: readonly Recipient[];
  readonly at: number;
}): string {
  const { origin } = opts;
  const from =
    origin.kind === 'smtp'
      ? `from ${clean(origin.helo ?? 'unknown')} ([${addressLiteral(origin.clientIp ?? 'unknown')}])`
      : origin.kind === 'api'
        ? `from [${clean(addressLiteral(origin.clientIp ?? '127.0.0.1'))}]`
        : 'from localhost';
  // No "with" for API mail: the IANA Mail Transmission Types registry has no HTTP entry and RFC 5321 §4.4
  // says SHOULD NOT use unregistered names; a comment says how it came instead.
  const via = origin.kind === 'api' ? '\r\n\t(submitted over the Baton HTTP API)' : '';
  const tls = origin.tls ? `\r\n\t(using ${clean(origin.tls.protocol)} with cipher ${clean(origin.tls.cipher)})` : '';
  const auth = origin.user ? `\r\n\t(authenticated as ${clean(origin.user)})` : '';
  const only = opts.recipients.length === 1 ? opts.recipients[0] : undefined;
  const forClause = only ? `\r\n\tfor <${formatMailbox(only.address)}>` : '';
  return (
    `Received: ${from}\r\n\tby ${opts.hostname} (Baton)${origin.kind === 'smtp' ? ` with ${protocolName(origin)}` : ''} id ${opts.queueId}` +
    `${via}${tls}${auth}${forClause};\r\n\t${rfc5322Date(opts.at)}\r\n`
  );
}

/** Message-ID and Date for submission traffic that lacks them (RFC 6409 §8.3, §8.2). */
export function missingSubmissionHeaders(message: Buffer, hostname: string, at: number): string {
  let out = '';
  if (!hasHeader(message, 'Date')) out += `Date: ${rfc5322Date(at)}\r\n`;
  if (!hasHeader(message, 'Message-ID')) out += `Message-ID: <${randomBytes(12).toString('hex')}@${hostname}>\r\n`;
  return out;
}

/**
 * The Subject field for the `accepted` event (search results, timelines) when
 * the producer gave none (SMTP mail): unfolded (RFC 5322 §2.2.3), UTF-8 as
 * RFC 6532 allows, RFC 2047 encoded-words decoded, at most 998 characters.
 */
export function subjectOf(content: Buffer): string | undefined {
  const f = fieldRanges(content).find((r) => r.name === 'subject');
  if (!f) return undefined;
  const raw = content.toString('utf8', f.valueStart, f.end).replace(/\r\n(?=[ \t])/g, '').replace(/\r\n$/, '').trim();
  try {
    return decodeWords(raw).slice(0, 998);
  } catch {
    return raw.slice(0, 998);
  }
}
