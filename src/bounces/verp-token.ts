import { createHmac, timingSafeEqual } from 'node:crypto';
import { isQueueId, type QueueId } from '../core/index.js';

/** One HMAC key of the return-path token (`bounces.secrets`). */
export interface VerpSecret {
  /** 1-8 lower-case letters or digits, carried in the token so a rotation keeps old tokens valid. */
  readonly id: string;
  readonly secret: string;
}

/** The local part's fixed head: `bounce+TOKEN@<bounce domain>`. */
export const VERP_PREFIX = 'bounce+';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case
/** 10 base32 characters: 50 bits of HMAC, checked at RCPT, where guessing is one SMTP command per try. */
const MAC_CHARS = 10;
const TOKEN_RE = /^([0-9a-hjkmnp-tv-z]{20})-([a-z0-9]{1,8})-([0-9a-hjkmnp-tv-z]{10})$/;

/**
 * The signed token of a VERP return path (docs/deliverability.md "Return
 * path (VERP)"): `<queue id>-<key id>-<mac>`, lower case, at most 40
 * characters, so that `bounce+TOKEN` stays well within the 64 octets of a
 * local part (RFC 5321 §4.5.3.1.1). No table is kept: the queue id is in the
 * token, the HMAC says we wrote it. Lower case because some servers fold the
 * case of the address they bounce to; Crockford base32 so that folding loses
 * nothing.
 */
export class VerpTokens {
  private readonly byId: ReadonlyMap<string, string>;
  private readonly signer: VerpSecret;

  /** @param secrets the first signs; every one verifies (rotation). */
  constructor(secrets: readonly VerpSecret[]) {
    const first = secrets[0];
    if (!first) throw new Error('VERP needs at least one secret (bounces.secrets)');
    this.signer = first;
    this.byId = new Map(secrets.map((s) => [s.id, s.secret]));
  }

  sign(queueId: QueueId): string {
    return `${queueId.toLowerCase()}-${this.signer.id}-${mac(this.signer.secret, queueId, this.signer.id)}`;
  }

  /** The queue id a token was signed for, or undefined for anything we did not sign (any case). */
  verify(token: string): QueueId | undefined {
    const m = TOKEN_RE.exec(token.toLowerCase());
    if (!m) return undefined;
    const [, id, keyId, given] = m as unknown as [string, string, string, string];
    const secret = this.byId.get(keyId);
    const queueId = id.toUpperCase();
    if (secret === undefined || !isQueueId(queueId)) return undefined;
    const want = Buffer.from(mac(secret, queueId, keyId));
    return timingSafeEqual(want, Buffer.from(given)) ? queueId : undefined;
  }

  /** The token of a local part `bounce+TOKEN` (any case), or undefined. */
  static tokenOf(localPart: string): string | undefined {
    if (localPart.length <= VERP_PREFIX.length || localPart.slice(0, VERP_PREFIX.length).toLowerCase() !== VERP_PREFIX) return undefined;
    return localPart.slice(VERP_PREFIX.length);
  }
}

function mac(secret: string, queueId: string, keyId: string): string {
  const digest = createHmac('sha256', secret).update(`baton-verp-1:${queueId}:${keyId}`).digest();
  // The first 50 bits, 5 per character (a small bit buffer: no BigInt on the per-message path).
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; out.length < MAC_CHARS; ) {
    if (bits < 5) {
      buffer = ((buffer << 8) | (digest[i++] as number)) & 0xfff;
      bits += 8;
    }
    bits -= 5;
    out += ALPHABET.charAt((buffer >> bits) & 31);
  }
  return out;
}
