import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../core/index.js';

/**
 * Signed per-recipient unsubscribe tokens (RFC 8058 §3.1: the URI must
 * identify the recipient and the list "without the need for a lookup table").
 * A token carries what it stands for and a truncated HMAC-SHA256 over it, so
 * any node with the keys can check it and nobody without them can make one.
 *
 * Two forms:
 * - URL tokens carry the recipient address and the scope domain (the sending
 *   domain whose mail the recipient leaves).
 * - mailto tokens must fit a local part (RFC 5321 §4.5.3.1.1: 64 octets, so
 *   "unsubscribe+" leaves 52 characters): they carry the scope domain but not
 *   the address, which is bound by the MAC and read back from the envelope
 *   sender of the unsubscribe message (the recipient's own mail server sends
 *   it). A message whose scope domain does not fit gets no mailto.
 */

export interface TokenKey {
  /** Named in the token, so the right key is tried first. */
  readonly id: string;
  readonly secret: string;
}

export interface UnsubscribeRequest {
  /** Lower case "local@domain". */
  readonly address: string;
  /** The sending domain, lower case. */
  readonly domain: string;
  /** Days since 1970-01-01 (UTC) when the token was issued. */
  readonly issuedDay: number;
  readonly keyId: string;
}

export type TokenCheck = { readonly ok: true; readonly request: UnsubscribeRequest } | { readonly ok: false; readonly problem: 'malformed' | 'unknown-key' | 'forged' | 'expired' };

const URL_VERSION = 1;
const MAILTO_VERSION = 2;
/** 128 bits: past any online guessing (NIST SP 800-107 §5.3.3 allows truncation). */
const URL_MAC_BYTES = 16;
/** 80 bits, to fit a local part; still 2^80 guesses, each one an SMTP RCPT. */
const MAILTO_MAC_BYTES = 10;
/** "unsubscribe+" + token must fit RFC 5321's 64-octet local part. */
export const MAILTO_PREFIX = 'unsubscribe+';
const MAX_MAILTO_TOKEN = 64 - MAILTO_PREFIX.length;
const DAY_MS = 86_400_000;
/** Domain separation: a token of one form never verifies as the other. */
const CONTEXT = ['baton-unsubscribe-url\0', 'baton-unsubscribe-mailto\0'] as const;

export class UnsubscribeTokens {
  private readonly keys: ReadonlyMap<string, string>;
  private readonly signing: TokenKey;

  constructor(private readonly opts: { readonly keys: readonly TokenKey[]; readonly clock: Clock; readonly maxAgeMs?: number }) {
    const first = opts.keys[0];
    if (!first) throw new Error('unsubscribe tokens need at least one key');
    this.signing = first;
    this.keys = new Map(opts.keys.map((k) => [k.id, k.secret]));
  }

  /** The token for the List-Unsubscribe URL. */
  issue(address: string, domain: string): string {
    const body = Buffer.concat([this.head(URL_VERSION), lengthPrefixed(address.toLowerCase()), Buffer.from(domain.toLowerCase(), 'utf8')]);
    return Buffer.concat([body, mac(this.signing.secret, CONTEXT[0], body, '', URL_MAC_BYTES)]).toString('base64url');
  }

  /** The token for the mailto local part, or undefined when the domain makes it too long for one. */
  issueMailto(address: string, domain: string): string | undefined {
    const body = Buffer.concat([this.head(MAILTO_VERSION), Buffer.from(domain.toLowerCase(), 'utf8')]);
    const token = Buffer.concat([body, mac(this.signing.secret, CONTEXT[1], body, address.toLowerCase(), MAILTO_MAC_BYTES)]).toString('base64url');
    return token.length <= MAX_MAILTO_TOKEN ? token : undefined;
  }

  verify(token: string): TokenCheck {
    const raw = decode(token, URL_VERSION, URL_MAC_BYTES);
    if (!raw) return { ok: false, problem: 'malformed' };
    const alen = raw.rest[0];
    if (alen === undefined || raw.rest.length < 1 + alen + 1) return { ok: false, problem: 'malformed' };
    const address = raw.rest.toString('utf8', 1, 1 + alen);
    const domain = raw.rest.toString('utf8', 1 + alen);
    return this.check(raw, CONTEXT[0], '', address, domain);
  }

  /** `sender`: the envelope sender of the unsubscribe message, the address the token was issued for. */
  verifyMailto(token: string, sender: string): TokenCheck {
    const raw = decode(token, MAILTO_VERSION, MAILTO_MAC_BYTES);
    if (!raw || raw.rest.length === 0) return { ok: false, problem: 'malformed' };
    const address = sender.toLowerCase();
    return this.check(raw, CONTEXT[1], address, address, raw.rest.toString('utf8'));
  }

  private check(raw: Decoded, context: string, bound: string, address: string, domain: string): TokenCheck {
    const secret = this.keys.get(raw.keyId);
    if (secret === undefined) return { ok: false, problem: 'unknown-key' };
    const expected = mac(secret, context, raw.body, bound, raw.mac.length);
    if (!timingSafeEqual(expected, raw.mac)) return { ok: false, problem: 'forged' };
    const today = Math.floor(this.opts.clock.now() / DAY_MS);
    if (this.opts.maxAgeMs !== undefined && (today - raw.issuedDay) * DAY_MS > this.opts.maxAgeMs) return { ok: false, problem: 'expired' };
    return { ok: true, request: { address, domain, issuedDay: raw.issuedDay, keyId: raw.keyId } };
  }

  /** version, key id (length-prefixed), issued day (uint16: days since 1970 fit until 2149). */
  private head(version: number): Buffer {
    const id = Buffer.from(this.signing.id, 'latin1');
    const head = Buffer.alloc(2 + id.length + 2);
    head[0] = version;
    head[1] = id.length;
    id.copy(head, 2);
    head.writeUInt16BE(Math.floor(this.opts.clock.now() / DAY_MS), 2 + id.length);
    return head;
  }
}

interface Decoded {
  readonly body: Buffer;
  readonly keyId: string;
  readonly issuedDay: number;
  /** The body after the head. */
  readonly rest: Buffer;
  readonly mac: Buffer;
}

function decode(token: string, version: number, macBytes: number): Decoded | undefined {
  if (token.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const all = Buffer.from(token, 'base64url');
  if (all.length < 4 + macBytes || all[0] !== version) return undefined;
  const idLength = all[1] as number;
  const headEnd = 2 + idLength + 2;
  if (all.length < headEnd + macBytes) return undefined;
  const body = all.subarray(0, all.length - macBytes);
  return {
    body,
    keyId: all.toString('latin1', 2, 2 + idLength),
    issuedDay: all.readUInt16BE(2 + idLength),
    rest: body.subarray(headEnd),
    mac: all.subarray(all.length - macBytes),
  };
}

function lengthPrefixed(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length > 255) throw new Error('an address longer than 255 octets cannot be in an unsubscribe token');
  return Buffer.concat([Buffer.from([b.length]), b]);
}

function mac(secret: string, context: string, body: Buffer, bound: string, bytes: number): Buffer {
  return createHmac('sha256', secret).update(context).update(body).update('\0').update(bound).digest().subarray(0, bytes);
}
