import { createHash, createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import type { TlsaRecord } from '../../../dns/index.js';
import type { PeerVerdict } from '../host-tls.js';

/**
 * Matching a server's certificate chain against a TLSA RRset (RFC 6698 §2.1,
 * RFC 7671, RFC 7672 §3). Pure: the chain and the clock come in, a verdict goes
 * out, so the unit tests drive it with certificates made by openssl.
 */

/** RFC 6698 §2.1.1 certificate usages that SMTP uses (RFC 7672 §3.1). */
export const DANE_TA = 2;
export const DANE_EE = 3;

/**
 * RFC 7672 §3.1.3: PKIX-TA(0) and PKIX-EE(1) are "unusable" for SMTP, as is any
 * usage, selector or matching type we do not know (RFC 7671 §4). Only DANE-TA(2)
 * and DANE-EE(3) with selector 0/1 and matching type 0/1/2 are kept.
 */
export function isUsable(r: TlsaRecord): boolean {
  return (r.usage === DANE_TA || r.usage === DANE_EE) && (r.selector === 0 || r.selector === 1) && r.matchingType >= 0 && r.matchingType <= 2;
}

/** RFC 6698 §7.3 presentation form, "3 1 1 ab12...", for logs and TLS-RPT `policy-string`. */
export function presentTlsa(r: TlsaRecord): string {
  return `${r.usage} ${r.selector} ${r.matchingType} ${r.data.toString('hex')}`;
}

export interface MatchInput {
  /** The chain as the server sent it: the leaf first (RFC 8446 §4.4.2). */
  readonly chain: readonly X509Certificate[];
  /** Usable records only (see isUsable). */
  readonly records: readonly TlsaRecord[];
  /** Reference identifiers for DANE-TA (RFC 7672 §3.2.2): the MX host name (TLSA base domain), then the next-hop domain. */
  readonly names: readonly string[];
  /** ms since the epoch, for the DANE-TA expiry check. */
  readonly now: number;
}

export function matchChain(input: MatchInput): PeerVerdict {
  const leaf = input.chain[0];
  if (!leaf) return fail('dane-no-certificate', 'the server presented no certificate');
  // DANE-EE first: RFC 7672 §3.1.1 says no name and no expiry check, only the match.
  if (input.records.some((r) => r.usage === DANE_EE && recordMatches(r, leaf))) return { ok: true };
  const taRecords = input.records.filter((r) => r.usage === DANE_TA);
  if (taRecords.length > 0) {
    const ta = trustAnchorFor(input.chain, taRecords);
    if (ta) {
      // RFC 7672 §3.1.2: with DANE-TA the leaf is checked like a PKIX certificate (name, dates), against the DNS-given anchor.
      const name = input.names.find((n) => leaf.checkHost(n, { partialWildcards: false }) !== undefined);
      if (!name) return fail('dane-name-mismatch', `the certificate chains to the DANE-TA trust anchor but names none of ${input.names.join(', ')} (RFC 7672 §3.2.3)`);
      if (input.now < Date.parse(leaf.validFrom) || input.now > Date.parse(leaf.validTo)) {
        return fail('dane-expired', `the certificate is not valid now (${leaf.validFrom} – ${leaf.validTo})`);
      }
      return { ok: true };
    }
  }
  const wanted = input.records.map((r) => `${r.usage} ${r.selector} ${r.matchingType}`).join(', ');
  return fail('dane-mismatch', `no TLSA record (${wanted}) matches the certificate chain the server presented (RFC 7672 §3)`);
}

/**
 * RFC 7671 §5.2.2: a DANE-TA record names a trust anchor that is either a
 * certificate of the presented chain (the leaf must chain up to it by
 * signatures) or, for a full certificate or key in the record (matching type 0),
 * an anchor the server left out (then the top of the chain must be signed by it).
 */
function trustAnchorFor(chain: readonly X509Certificate[], records: readonly TlsaRecord[]): true | undefined {
  for (let i = 0; i < chain.length; i++) {
    const cert = chain[i] as X509Certificate;
    if (records.some((r) => recordMatches(r, cert)) && chainsUpTo(chain, i)) return true;
  }
  for (const r of records) {
    if (r.matchingType !== 0) continue;
    const key = anchorKey(r);
    if (!key) continue;
    for (let i = 0; i < chain.length; i++) {
      if (chainsUpTo(chain, i) && (chain[i] as X509Certificate).verify(key)) return true;
    }
  }
  return undefined;
}

/** Each certificate from the leaf to chain[top] is signed by the next one and names it as issuer. */
function chainsUpTo(chain: readonly X509Certificate[], top: number): boolean {
  for (let i = 0; i < top; i++) {
    const child = chain[i] as X509Certificate;
    const issuer = chain[i + 1] as X509Certificate;
    if (!child.checkIssued(issuer) || !child.verify(issuer.publicKey)) return false;
  }
  return true;
}

/** The public key of a matching-type-0 DANE-TA record (a whole certificate or a whole SPKI). */
function anchorKey(r: TlsaRecord): KeyObject | undefined {
  try {
    return r.selector === 0 ? new X509Certificate(r.data).publicKey : createPublicKey({ key: r.data, format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** RFC 6698 §2.1.2–2.1.3: the selected part of the certificate, then the matching type's digest. */
export function recordMatches(r: TlsaRecord, cert: X509Certificate): boolean {
  const selected = r.selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  const digest = r.matchingType === 0 ? selected : createHash(r.matchingType === 1 ? 'sha256' : 'sha512').update(selected).digest();
  return digest.equals(r.data);
}

function fail(code: string, message: string): PeerVerdict {
  return { ok: false, code, message };
}
