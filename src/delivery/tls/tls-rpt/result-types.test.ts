import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppliedPolicy, TlsSessionResult } from '../host-tls.js';
import { isReported, RESULT_TYPES, resultTypeOf, sessionOutcome } from './result-types.js';

const STS: AppliedPolicy = { type: 'sts', domain: 'r.test', mode: 'testing', strings: ['version: STSv1', 'mode: testing'], mxHost: ['mx.r.test'] };
const NONE: AppliedPolicy = { type: 'no-policy-found', domain: 'r.test' };
const at = (policy: AppliedPolicy, negotiation: TlsSessionResult['negotiation']): TlsSessionResult => ({ policy, recipientDomain: 'r.test', mxHost: 'mx.r.test', ip: '127.0.0.9', negotiation });
const tlsInfo = { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', authorized: true };

test("Node's certificate codes map to RFC 8460 §4.3.2 certificate result types", () => {
  assert.equal(resultTypeOf('ERR_TLS_CERT_ALTNAME_INVALID'), 'certificate-host-mismatch');
  assert.equal(resultTypeOf('CERT_HAS_EXPIRED'), 'certificate-expired');
  for (const code of ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']) {
    assert.equal(resultTypeOf(code), 'certificate-not-trusted', code);
  }
});

test('our codes map, RFC 8460 names pass through as they are, anything else is a validation-failure', () => {
  assert.equal(resultTypeOf('tls-unavailable'), 'starttls-not-supported');
  assert.equal(resultTypeOf('starttls-refused'), 'starttls-not-supported');
  for (const t of RESULT_TYPES) assert.equal(resultTypeOf(t), t);
  assert.equal(resultTypeOf('ECONNRESET', 'socket hang up'), 'validation-failure');
  assert.equal(resultTypeOf(undefined), 'validation-failure');
});

test("DANE's match codes (dane/tlsa-match.ts) map to RFC 8460 types, whatever their messages say", () => {
  // The messages name "the certificate chain": without the codes' mapping they would read as certificate-not-trusted.
  assert.equal(resultTypeOf('dane-mismatch', 'mx: no TLSA record (3 1 1) matches the certificate chain the server presented (RFC 7672 §3)'), 'tlsa-invalid');
  assert.equal(resultTypeOf('dane-no-certificate', 'the server presented no certificate'), 'tlsa-invalid');
  assert.equal(resultTypeOf('dane-name-mismatch', 'the certificate chains to the DANE-TA trust anchor but names none of mx, d'), 'certificate-host-mismatch');
  assert.equal(resultTypeOf('dane-expired', 'the certificate is not valid now'), 'certificate-expired');
});

test("a handshake failure reported as code 'tls' is classified by Node's message", () => {
  assert.equal(resultTypeOf('tls', "TLS handshake with mx failed: Hostname/IP does not match certificate's altnames: Host: mx.r.test. is not in the cert's altnames: DNS:other.test"), 'certificate-host-mismatch');
  assert.equal(resultTypeOf('tls', 'TLS handshake with mx failed: certificate has expired'), 'certificate-expired');
  assert.equal(resultTypeOf('tls', 'TLS handshake with mx failed: self-signed certificate'), 'certificate-not-trusted');
  assert.equal(resultTypeOf('tls', 'TLS handshake with mx failed: unable to verify the first certificate'), 'certificate-not-trusted');
});

test('sessions: TLS is a success; plaintext, failures, refusals and failed peer checks are failures of their type', () => {
  assert.deepEqual(sessionOutcome(at(NONE, { kind: 'tls', info: tlsInfo })), { success: true });
  assert.deepEqual(sessionOutcome(at(NONE, { kind: 'tls', info: { ...tlsInfo, authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' } })), { success: true }, 'no policy asks for a valid certificate');
  assert.deepEqual(sessionOutcome(at(STS, { kind: 'tls', info: { ...tlsInfo, authorized: false, authorizationError: 'CERT_HAS_EXPIRED' } })), { success: false, resultType: 'certificate-expired' }, 'STS testing mode: reported');
  assert.deepEqual(sessionOutcome(at(NONE, { kind: 'plaintext' })), { success: false, resultType: 'starttls-not-supported' });
  assert.deepEqual(sessionOutcome(at(NONE, { kind: 'failed', code: 'tls-unavailable', message: 'no STARTTLS' })), { success: false, resultType: 'starttls-not-supported' });
  const tlsa: AppliedPolicy = { type: 'tlsa', domain: 'mx.r.test', strings: ['3 1 1 abcd'] };
  assert.deepEqual(sessionOutcome(at(tlsa, { kind: 'tls', info: tlsInfo, peer: { ok: false, code: 'tlsa-invalid', message: 'no TLSA record matched' } })), { success: false, resultType: 'tlsa-invalid' });
  const refusal = { refused: true as const, temporary: true, reason: 'mx.r.test is not in the policy', resultType: 'validation-failure', policy: STS };
  assert.deepEqual(sessionOutcome(at(STS, { kind: 'refused', refusal })), { success: false, resultType: 'validation-failure' });
  assert.deepEqual(sessionOutcome(at(STS, { kind: 'refused', refusal: { ...refusal, resultType: 'sts-policy-fetch-error' } })), { success: false, resultType: 'sts-policy-fetch-error' });
});

test('sts, tlsa and no-policy-found are reported; an operator-pinned route is not', () => {
  assert.deepEqual((['sts', 'tlsa', 'no-policy-found', 'route'] as const).map(isReported), [true, true, true, false]);
});
