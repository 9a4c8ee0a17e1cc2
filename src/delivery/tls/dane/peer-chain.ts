import { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';

/**
 * The certificate chain the server presented, leaf first. Node links each
 * certificate to its issuer (`issuerCertificate`); the walk stops at a
 * self-issued certificate (which links to itself) or a cycle, and is bounded.
 */
const MAX_CHAIN = 16;

export function peerChain(socket: TLSSocket): X509Certificate[] {
  const out: X509Certificate[] = [];
  const seen = new Set<DetailedPeerCertificate>();
  let cert: DetailedPeerCertificate | undefined = socket.getPeerCertificate(true) as DetailedPeerCertificate | undefined;
  while (cert && cert.raw && !seen.has(cert) && out.length < MAX_CHAIN) {
    seen.add(cert);
    out.push(new X509Certificate(cert.raw));
    cert = cert.issuerCertificate;
  }
  return out;
}
