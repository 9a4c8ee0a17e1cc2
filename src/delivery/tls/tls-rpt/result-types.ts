import type { PolicyType, TlsSessionResult } from '../host-tls.js';

/** RFC 8460 §4.3 result types (negotiation and policy failures). */
export const RESULT_TYPES = [
  'starttls-not-supported',
  'certificate-host-mismatch',
  'certificate-expired',
  'certificate-not-trusted',
  'validation-failure',
  'tlsa-invalid',
  'dnssec-invalid',
  'dane-required',
  'sts-policy-fetch-error',
  'sts-policy-invalid',
  'sts-webpki-invalid',
] as const;
export type ResultType = (typeof RESULT_TYPES)[number];

const KNOWN = new Set<string>(RESULT_TYPES);

/** What one session counts as in a report: a success, or a failure of one result type. */
export type SessionOutcome = { readonly success: true } | { readonly success: false; readonly resultType: ResultType };

/**
 * Node's certificate error codes (OpenSSL's X509_V_ERR names, and Node's own
 * ERR_TLS_CERT_ALTNAME_INVALID) to RFC 8460 §4.3.2 result types.
 */
const NODE_CODES: Readonly<Record<string, ResultType>> = {
  ERR_TLS_CERT_ALTNAME_INVALID: 'certificate-host-mismatch',
  CERT_HAS_EXPIRED: 'certificate-expired',
  CERT_NOT_YET_VALID: 'certificate-expired',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'certificate-not-trusted',
  UNABLE_TO_GET_ISSUER_CERT: 'certificate-not-trusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'certificate-not-trusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'certificate-not-trusted',
  SELF_SIGNED_CERT_IN_CHAIN: 'certificate-not-trusted',
  CERT_UNTRUSTED: 'certificate-not-trusted',
  CERT_REVOKED: 'certificate-not-trusted',
  CERT_SIGNATURE_FAILURE: 'certificate-not-trusted',
  CERT_CHAIN_TOO_LONG: 'certificate-not-trusted',
  INVALID_CA: 'certificate-not-trusted',
};

/** Our own codes (delivery/client/session.ts, dane/tlsa-match.ts) that are not RFC 8460 names already. */
const OUR_CODES: Readonly<Record<string, ResultType>> = {
  'tls-unavailable': 'starttls-not-supported',
  'starttls-refused': 'starttls-not-supported',
  // DANE (RFC 7672 §3): no record of the TLSA RRset matches the chain (RFC 8460 §4.3.2.2 "tlsa-invalid").
  // Without these the messages' word "certificate chain" read as certificate-not-trusted.
  'dane-mismatch': 'tlsa-invalid',
  'dane-no-certificate': 'tlsa-invalid',
  // DANE-TA matched, then the PKIX checks of the leaf failed (RFC 7672 §3.1.2): RFC 8460 §4.3.2.1's certificate types.
  'dane-name-mismatch': 'certificate-host-mismatch',
  'dane-expired': 'certificate-expired',
};

/**
 * The client passes Node's code of a failed handshake on (session.ts
 * `tlsCode`), but a handshake error without one (a peer check's, a timeout)
 * still says what went wrong in its message: OpenSSL's texts and Node's
 * altname text are read as a fallback.
 */
const MESSAGE_PATTERNS: readonly (readonly [RegExp, ResultType])[] = [
  [/altnames|does not match certificate|ERR_TLS_CERT_ALTNAME_INVALID/i, 'certificate-host-mismatch'],
  [/certificate has expired|certificate is not yet valid|CERT_HAS_EXPIRED/i, 'certificate-expired'],
  [/self[- ]signed|unable to verify|unable to get (local )?issuer|certificate (chain|signature|revoked)|untrusted|invalid ca/i, 'certificate-not-trusted'],
];

/**
 * Naming rule (documented in host-tls.ts): a code or resultType that already
 * is an RFC 8460 result type is used as is; Node's codes and ours are mapped;
 * anything else is a `validation-failure` (RFC 8460 §4.3.2.3: "a general
 * failure for a reason not matching a category above").
 */
export function resultTypeOf(code: string | undefined, message = ''): ResultType {
  if (code !== undefined) {
    if (KNOWN.has(code)) return code as ResultType;
    const mapped = NODE_CODES[code] ?? OUR_CODES[code];
    if (mapped) return mapped;
  }
  for (const [pattern, type] of MESSAGE_PATTERNS) if (pattern.test(message)) return type;
  return 'validation-failure';
}

/**
 * RFC 8460 reports cover sessions under an MTA-STS or DANE policy and, as
 * `no-policy-found`, those under neither (§4.3); a route the operator pinned
 * (`route`) is our own rule, nothing the domain published, and not reported.
 */
export function isReported(type: PolicyType): boolean {
  return type === 'sts' || type === 'tlsa' || type === 'no-policy-found';
}

/** One session's TLS result as RFC 8460 counts it. */
export function sessionOutcome(result: TlsSessionResult): SessionOutcome {
  const n = result.negotiation;
  switch (n.kind) {
    case 'refused':
      return { success: false, resultType: resultTypeOf(n.refusal.resultType, n.refusal.reason) };
    case 'plaintext':
      // The MX offered no STARTTLS (§4.3.2.1) and the policy let the mail go in the clear: still a failure to report.
      return { success: false, resultType: 'starttls-not-supported' };
    case 'failed':
      return { success: false, resultType: resultTypeOf(n.code, n.message) };
    case 'tls':
      // A peer check that failed but did not end the session (MTA-STS testing) is reported all the same (RFC 8461 §5).
      if (n.peer && !n.peer.ok) return { success: false, resultType: resultTypeOf(n.peer.code, n.peer.message) };
      // Under a policy that wants a valid certificate (STS), an unverified one is a failure even when testing let the session go on.
      if (result.policy.type === 'sts' && !n.info.authorized) return { success: false, resultType: resultTypeOf(n.info.authorizationError, n.info.authorizationError) };
      return { success: true };
  }
}
