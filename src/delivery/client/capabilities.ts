import type { SmtpReply } from '../../core/index.js';

/** What the server said it supports in its EHLO/LHLO reply (RFC 5321 §4.1.1.1). */
export interface Capabilities {
  /** RFC 2920 */
  readonly pipelining: boolean;
  /** RFC 1870: the limit in octets; 0 means "offered, no fixed limit"; undefined: not offered. */
  readonly size?: number;
  /** RFC 6152 */
  readonly eightBitMime: boolean;
  /** RFC 6531 */
  readonly smtputf8: boolean;
  /** RFC 3030 BDAT */
  readonly chunking: boolean;
  /** RFC 3030 BODY=BINARYMIME */
  readonly binaryMime: boolean;
  /** RFC 3461 */
  readonly dsn: boolean;
  /** RFC 3207 */
  readonly starttls: boolean;
  /** RFC 2034 */
  readonly enhancedStatusCodes: boolean;
  /** RFC 8689 REQUIRETLS (meaningful only in the EHLO after STARTTLS). */
  readonly requireTls: boolean;
  /** RFC 4954: mechanism names in upper case. */
  readonly auth: readonly string[];
  /** Every keyword line as sent, upper-cased keyword first (for logs and unknown extensions). */
  readonly raw: readonly string[];
}

/** Capabilities of a server that answered HELO (no extensions at all). */
export const NO_CAPABILITIES: Capabilities = {
  pipelining: false,
  eightBitMime: false,
  smtputf8: false,
  chunking: false,
  binaryMime: false,
  dsn: false,
  starttls: false,
  enhancedStatusCodes: false,
  requireTls: false,
  auth: [],
  raw: [],
};

/** Parse the EHLO reply: the first line is the greeting text, each further line one keyword. */
export function parseCapabilities(reply: SmtpReply): Capabilities {
  const raw = reply.lines.slice(1).map((l) => l.trim()).filter((l) => l.length > 0);
  const caps = { ...NO_CAPABILITIES, auth: [] as string[], raw };
  let size: number | undefined;
  for (const line of raw) {
    const [keyword = '', ...params] = line.split(/\s+/);
    switch (keyword.toUpperCase()) {
      case 'PIPELINING':
        caps.pipelining = true;
        break;
      case 'SIZE': {
        const n = Number(params[0] ?? '0');
        size = Number.isSafeInteger(n) && n >= 0 ? n : 0;
        break;
      }
      case '8BITMIME':
        caps.eightBitMime = true;
        break;
      case 'SMTPUTF8':
        caps.smtputf8 = true;
        break;
      case 'CHUNKING':
        caps.chunking = true;
        break;
      case 'BINARYMIME':
        caps.binaryMime = true;
        break;
      case 'DSN':
        caps.dsn = true;
        break;
      case 'STARTTLS':
        caps.starttls = true;
        break;
      case 'ENHANCEDSTATUSCODES':
        caps.enhancedStatusCodes = true;
        break;
      case 'REQUIRETLS':
        caps.requireTls = true;
        break;
      case 'AUTH':
        for (const m of params) if (!caps.auth.includes(m.toUpperCase())) caps.auth.push(m.toUpperCase());
        break;
      default:
        // Old servers say "AUTH=LOGIN PLAIN" (pre-RFC 4954 syntax).
        if (keyword.toUpperCase().startsWith('AUTH=')) {
          for (const m of [keyword.slice(5), ...params]) {
            if (m && !caps.auth.includes(m.toUpperCase())) caps.auth.push(m.toUpperCase());
          }
        }
    }
  }
  return size === undefined ? caps : { ...caps, size };
}
