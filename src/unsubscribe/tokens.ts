import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
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

/** Both forms of one recipient's token. */
export interface IssuedTokens {
  readonly url: string;
  /** Absent when the scope domain makes it too long for a local part. */
  readonly mailto?: string;
}

/**
 * One HMAC-SHA256 over the canonical facts (key id, day, address, domain)
 * serves both forms: the URL token carries its first 16 bytes, the mailto
 * token bytes 16-25, so neither form's MAC says anything about the other's,
 * and a bulk copy costs one HMAC, not two.
 */
export class UnsubscribeTokens {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly signingId: string;

  constructor(private readonly opts: { readonly keys: readonly TokenKey[]; readonly clock: Clock; readonly maxAgeMs?: number }) {
    const first = opts.keys[0];
    if (!first) throw new Error('unsubscribe tokens need at least one key');
    this.signingId = first.id;
    this.keys = new Map(opts.keys.map((k) => [k.id, createSecretKey(Buffer.from(k.secret, 'utf8'))]));
  }

  /** The URL token and, when it fits, the mailto token, for one recipient of one sending domain. */
  issueBoth(address: string, domain: string): IssuedTokens {
    const facts = this.facts(address, domain);
    const mac = this.mac(this.signingId, facts);
    const url = Buffer.concat([Buffer.from([URL_VERSION]), facts.head, facts.address, facts.domain, mac.subarray(0, URL_MAC_BYTES)]).toString('base64url');
    const mailto = Buffer.concat([Buffer.from([MAILTO_VERSION]), facts.head, facts.domain, mac.subarray(URL_MAC_BYTES, URL_MAC_BYTES + MAILTO_MAC_BYTES)]).toString('base64url');
    return mailto.length <= MAX_MAILTO_TOKEN ? { url, mailto } : { url };
  }

  /** The token for the List-Unsubscribe URL. */
  issue(address: string, domain: string): string {
    return this.issueBoth(address, domain).url;
  }

  /** The token for the mailto local part, or undefined when the domain makes it too long for one. */
  issueMailto(address: string, domain: string): string | undefined {
    return this.issueBoth(address, domain).mailto;
  }

  verify(token: string): TokenCheck {
    const raw = decode(token, URL_VERSION, URL_MAC_BYTES);
    if (!raw) return { ok: false, problem: 'malformed' };
    const alen = raw.rest[0];
    if (alen === undefined || raw.rest.length < 1 + alen + 1) return { ok: false, problem: 'malformed' };
    return this.check(raw, 0, raw.rest.toString('utf8', 1, 1 + alen), raw.rest.toString('utf8', 1 + alen));
  }

  /** `sender`: the envelope sender of the unsubscribe message, the address the token was issued for. */
  verifyMailto(token: string, sender: string): TokenCheck {
    const raw = decode(token, MAILTO_VERSION, MAILTO_MAC_BYTES);
    if (!raw || raw.rest.length === 0) return { ok: false, problem: 'malformed' };
    // No token is ever issued for an address that long (RFC 5321 §4.5.3.1.3 allows 254 in a path).
    if (Buffer.byteLength(sender, 'utf8') > 255) return { ok: false, problem: 'forged' };
    return this.check(raw, URL_MAC_BYTES, sender.toLowerCase(), raw.rest.toString('utf8'));
  }

  private check(raw: Decoded, macOffset: number, address: string, domain: string): TokenCheck {
    if (!this.keys.has(raw.keyId)) return { ok: false, problem: 'unknown-key' };
    const facts = { head: raw.head, address: lengthPrefixed(address), domain: Buffer.from(domain, 'utf8') };
    const expected = this.mac(raw.keyId, facts).subarray(macOffset, macOffset + raw.mac.length);
    if (!timingSafeEqual(expected, raw.mac)) return { ok: false, problem: 'forged' };
    const today = Math.floor(this.opts.clock.now() / DAY_MS);
    if (this.opts.maxAgeMs !== undefined && (today - raw.issuedDay) * DAY_MS > this.opts.maxAgeMs) return { ok: false, problem: 'expired' };
    return { ok: true, request: { address, domain, issuedDay: raw.issuedDay, keyId: raw.keyId } };
  }

  /** Key id (length-prefixed) and issued day (uint16: days since 1970 fit until 2149); the address length-prefixed. */
  private facts(address: string, domain: string): Facts {
    const id = Buffer.from(this.signingId, 'latin1');
    const head = Buffer.alloc(1 + id.length + 2);
    head[0] = id.length;
    id.copy(head, 1);
    head.writeUInt16BE(Math.floor(this.opts.clock.now() / DAY_MS), 1 + id.length);
    return { head, address: lengthPrefixed(address.toLowerCase()), domain: Buffer.from(domain.toLowerCase(), 'utf8') };
  }

  private mac(keyId: string, f: Facts): Buffer {
    return createHmac('sha256', this.keys.get(keyId) as KeyObject)
      .update(CONTEXT)
      .update(f.head)
      .update(f.address)
      .update(f.domain)
      .digest();
  }
}

const CONTEXT = 'baton-unsubscribe\0';

interface Facts {
  /** Key id length, key id, issued day. */
  readonly head: Buffer;
  /** Length-prefixed. */
  readonly address: Buffer;
  readonly domain: Buffer;
}

interface Decoded {
  readonly head: Buffer;
  readonly keyId: string;
  readonly issuedDay: number;
  /** After the head, before the MAC. */
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
  return {
    head: all.subarray(1, headEnd),
    keyId: all.toString('latin1', 2, 2 + idLength),
    issuedDay: all.readUInt16BE(2 + idLength),
    rest: all.subarray(headEnd, all.length - macBytes),
    mac: all.subarray(all.length - macBytes),
  };
}

function lengthPrefixed(s: string): Buffer {
  const b = Buffer.from(s, 'utf8');
  if (b.length > 255) throw new Error('an address longer than 255 octets cannot be in an unsubscribe token');
  return Buffer.concat([Buffer.from([b.length]), b]);
}
