import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { promisify } from 'node:util';
import type { DkimAlgorithm } from './dkim-key-store.js';

/** Key pairs, names and the DNS record of a DKIM key (RFC 6376 §3.6.1, RFC 8463 §4). */

export interface GeneratedDkimKey {
  /** The p= value. */
  readonly publicKey: string;
  /** PKCS #8 DER, to be sealed before it is stored. */
  readonly privateKey: Buffer;
}

const generate = promisify(generateKeyPair);

export async function generateDkimKey(algorithm: DkimAlgorithm): Promise<GeneratedDkimKey> {
  const pair = algorithm === 'ed25519' ? await generate('ed25519') : await generate('rsa', { modulusLength: 2048 });
  return { publicKey: publicKeyValue(pair.publicKey), privateKey: pair.privateKey.export({ type: 'pkcs8', format: 'der' }) };
}

/**
 * RSA: base64 of the SubjectPublicKeyInfo DER, which RFC 6376 §3.6.1 allows
 * and every verifier reads. Ed25519: base64 of the bare 32-byte key, not
 * SubjectPublicKeyInfo (RFC 8463 §4.2), i.e. the last 32 bytes of the SPKI.
 */
export function publicKeyValue(key: KeyObject): string {
  const spki = key.export({ type: 'spki', format: 'der' });
  return (key.asymmetricKeyType === 'ed25519' ? spki.subarray(spki.length - 32) : spki).toString('base64');
}

/** The private key object from its PKCS #8 DER, with its p= value checked against the stored one. */
export function loadPrivateKey(der: Buffer, expectedPublicKey: string): KeyObject {
  const key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  if (publicKeyValue(createPublicKey(key)) !== expectedPublicKey) throw new Error('the private key does not match its public key');
  return key;
}

/** RFC 6376 §3.6.1: k= is "rsa" or (RFC 8463 §4.2) "ed25519". */
export function keyType(algorithm: DkimAlgorithm): 'rsa' | 'ed25519' {
  return algorithm === 'ed25519' ? 'ed25519' : 'rsa';
}

/** The TXT record's value: "v=DKIM1; k=rsa; p=...". */
export function dkimRecordValue(algorithm: DkimAlgorithm, publicKey: string): string {
  return `v=DKIM1; k=${keyType(algorithm)}; p=${publicKey}`;
}

/** RFC 6376 §3.6.2.1: the record lives at SELECTOR._domainkey.DOMAIN. */
export function dkimRecordName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A sending domain as stored: lower-case A-labels, no trailing dot; undefined when it is not a domain name. */
export function normalizeDomain(input: string): string | undefined {
  const ascii = domainToASCII(input.trim().replace(/\.$/, '').toLowerCase());
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) ? ascii : undefined;
}

/** RFC 6376 §3.1: a selector is one or more DNS labels. */
export function isSelector(s: string): boolean {
  return s.length <= 63 && s.split('.').every((l) => LABEL.test(l));
}

/**
 * A dated selector, "b2026-11-rsa" or "b2026-11-ed25519" (b for Baton): the
 * month shows how old a key is at a glance, and the suffix keeps a dual-signing
 * domain's two keys apart. A second one in the same month gets "-2", and so on.
 */
export function defaultSelector(now: number, algorithm: DkimAlgorithm, taken: ReadonlySet<string>): string {
  const d = new Date(now);
  const base = `b${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${keyType(algorithm)}`;
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}
