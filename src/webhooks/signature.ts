import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, Stripe's scheme: `Baton-Signature: t=<unix seconds>,v1=<hex>`
 * where the hex is HMAC-SHA256 (RFC 2104) keyed with the endpoint's secret
 * over "<t>.<body>". The timestamp is inside the MAC, so a receiver that
 * checks it is recent (5 minutes) cannot be fed an old POST again.
 * docs/api.md#verifying-signatures shows a receiver doing this.
 */

export const SIGNATURE_HEADER = 'Baton-Signature';
/** Names the endpoint (its id), so a receiver serving several knows which secret to use. */
export const WEBHOOK_ID_HEADER = 'Baton-Webhook-Id';
/** How old a signature a receiver should accept by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** A new secret: 32 random bytes, base64url, with a prefix that makes it easy to spot in a leak. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function mac(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** The `Baton-Signature` value for a body sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string | Buffer, timestamp: number): string {
  return `t=${timestamp},v1=${mac(secret, timestamp, body)}`;
}

export type VerifyResult = { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: string };

/**
 * What a receiver runs: is `header` a valid signature of the exact bytes of
 * `body` with `secret`, made within `toleranceSeconds` of `nowSeconds`?
 * Several v1= values may be given (a secret being rotated); one matching is enough.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string | Buffer,
  header: string | undefined,
  opts: { readonly nowSeconds?: number; readonly toleranceSeconds?: number } = {},
): VerifyResult {
  if (!header) return { ok: false, reason: `no ${SIGNATURE_HEADER} header` };
  let timestamp: number | undefined;
  const given: string[] = [];
  for (const part of header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v !== undefined && /^\d+$/.test(v)) timestamp = Number(v);
    else if (k === 'v1' && v !== undefined) given.push(v);
  }
  if (timestamp === undefined) return { ok: false, reason: 'no timestamp (t=) in the signature header' };
  if (given.length === 0) return { ok: false, reason: 'no v1= signature in the signature header' };
  const now = opts.nowSeconds ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) return { ok: false, reason: `timestamp ${timestamp} is more than ${tolerance} s from now (${now})` };
  const expected = Buffer.from(mac(secret, timestamp, body), 'hex');
  // Constant time: a byte-by-byte compare would leak how much of a forgery was right.
  const match = given.some((hex) => {
    const b = Buffer.from(hex, 'hex');
    return b.length === expected.length && timingSafeEqual(b, expected);
  });
  return match ? { ok: true, timestamp } : { ok: false, reason: 'no signature matches the body with this secret' };
}
