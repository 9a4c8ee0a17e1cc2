import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The API key as the client holds it: "baton_<id>_<secret>".
 * - id: 8 characters of [a-z0-9], public (listings, logs), finds the row;
 * - secret: 32 random bytes, base64url (43 characters), shown once.
 * The prefix makes leaked keys easy to spot (secret scanners, grep).
 */
const KEY_RE = /^baton_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface ParsedKey {
  readonly id: string;
  readonly secret: string;
}

export function newKeyId(): string {
  // 36^8 ≈ 2.8e12 ids; a clash only makes `create` fail and retry.
  let id = '';
  for (const b of randomBytes(8)) id += ID_ALPHABET[b % ID_ALPHABET.length];
  return id;
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function formatKey(id: string, secret: string): string {
  return `baton_${id}_${secret}`;
}

export function parseKey(text: string): ParsedKey | undefined {
  const m = KEY_RE.exec(text);
  return m ? { id: m[1] as string, secret: m[2] as string } : undefined;
}

/**
 * SHA-256 of the secret. A password needs a slow KDF (scrypt, like SMTP users)
 * because people choose guessable ones; a 256-bit random secret cannot be
 * guessed, so a fast hash is as safe against a stolen database and keeps
 * every request's check at about a microsecond.
 */
export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

/** Constant time, so response timing says nothing about how much of a secret was right. */
export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const hash = hashSecret(secret);
  return hash.length === storedHash.length && timingSafeEqual(hash, storedHash);
}
