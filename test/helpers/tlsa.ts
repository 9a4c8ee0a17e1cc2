import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PostfixSmtpd } from './postfix-smtpd.js';

/**
 * TLSA record data (RFC 6698 §2.1) for the private Postfix's STARTTLS
 * certificate, computed here with node:crypto from the files
 * postfix-smtpd.ts writes (DIR/tls/trusted.pem, signed by its test CA):
 * "3 1 1 <leafSpki>" matches the server (DANE-EE), "3 1 1 <caSpki>" names a
 * key the server does not have, "2 0 0 <caCert>" is the CA as a DANE-TA anchor.
 */
export interface PostfixTlsaData {
  /** SHA-256 of the leaf certificate's SubjectPublicKeyInfo, hex. */
  readonly leafSpki: string;
  /** SHA-256 of the test CA's SubjectPublicKeyInfo, hex. */
  readonly caSpki: string;
  /** The whole CA certificate (DER), hex. */
  readonly caCert: string;
}

export async function postfixTlsaData(pf: PostfixSmtpd): Promise<PostfixTlsaData> {
  const leaf = new X509Certificate(await readFile(join(pf.dir, 'tls', 'trusted.pem')));
  const ca = new X509Certificate(await readFile(pf.caFile));
  const spki = (c: X509Certificate) => createHash('sha256').update(c.publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
  return { leafSpki: spki(leaf), caSpki: spki(ca), caCert: ca.raw.toString('hex') };
}
