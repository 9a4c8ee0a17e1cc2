import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DkimConfig } from '../config/index.js';

/** Format byte of sealed keys: version 1 = AES-256-GCM, 12-byte IV, 16-byte tag. */
const V1 = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** scrypt with a fixed salt: the secret is meant to be random (`openssl rand -base64 32`); this only slows guessing a weak one. */
const KDF_SALT = 'baton dkim private keys v1';

export class KeySealError extends Error {
  override readonly name = 'KeySealError';
}

/**
 * Private keys encrypted at rest with a key derived from `dkim.secret`:
 * AES-256-GCM (NIST SP 800-38D) with a random IV per key, and the key's
 * domain and selector as associated data, so a sealed key copied onto
 * another row does not open. The secret never leaves this object.
 */
export class KeySealer {
  readonly #key: Buffer;

  constructor(secret: string) {
    this.#key = scryptSync(secret, KDF_SALT, 32, { N: 1 << 14, r: 8, p: 1 });
  }

  seal(plain: Buffer, context: string): Buffer {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return Buffer.concat([Buffer.from([V1]), iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer, context: string): Buffer {
    if (sealed.length <= 1 + IV_BYTES + TAG_BYTES || sealed[0] !== V1) throw new KeySealError(`the stored key of ${context} is not in a format this Baton knows`);
    const iv = sealed.subarray(1, 1 + IV_BYTES);
    const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', this.#key, iv);
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    } catch {
      throw new KeySealError(`cannot decrypt the private key of ${context}: dkim.secret is not the secret it was stored with`);
    }
  }

  /** Never print the derived key (logs, util.inspect, JSON). */
  toJSON(): string {
    return '[KeySealer]';
  }
}

/**
 * The secret from config: `dkim.secret`, or the first line of `dkim.secretFile`
 * (read here, at start, never at import). Undefined when neither is set.
 */
export function readDkimSecret(config: Pick<DkimConfig, 'secret' | 'secretFile'>): string | undefined {
  if (config.secret !== undefined) return config.secret;
  if (config.secretFile === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(config.secretFile, 'utf8');
  } catch (err) {
    throw new Error(`Cannot read dkim.secretFile ${config.secretFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const secret = (text.split(/\r?\n/)[0] ?? '').trim();
  if (secret.length < 16) throw new Error(`dkim.secretFile ${config.secretFile}: the secret (its first line) must be at least 16 characters`);
  return secret;
}
