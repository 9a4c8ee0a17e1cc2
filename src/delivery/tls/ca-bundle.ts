import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

/**
 * `delivery.caFile`: extra trust anchors for outbound certificate checks (the
 * MTA-STS policy fetch, MTA-STS enforced connections, a route's
 * `required-verify`). Node's `ca` option replaces its bundled roots, so the
 * bundle is those roots plus the file's certificates. Read once at start; a
 * missing, unreadable or certificate-less file stops the start with a message
 * that names the key and the file.
 */
export function loadCaBundle(path: string): readonly string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`delivery.caFile: cannot read ${path}: ${(err as Error).message}`);
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) throw new Error(`delivery.caFile: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  pems.forEach((pem, i) => {
    try {
      new X509Certificate(pem);
    } catch (err) {
      throw new Error(`delivery.caFile: certificate ${i + 1} in ${path} is not valid: ${(err as Error).message}`);
    }
  });
  return [...rootCertificates, ...pems];
}
