import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseConfig } from '../../config/index.js';
import { decideAuth } from './auth-policy.js';
import type { AuthReport } from './verify-message.js';

// What the receiver does with the results, by config `auth` (defaults: only a
// DMARC p=reject failure is refused).

const defaults = parseConfig({}, '/tmp').auth;
const config = (auth: Record<string, unknown>) => parseConfig({ auth }, '/tmp').auth;
const never = () => assert.fail('no sampling without pct');

function report(over: Partial<AuthReport> = {}, dmarc?: Partial<NonNullable<AuthReport['dmarc']>>): AuthReport {
  return {
    spf: { result: 'pass', domain: 'sender.test' },
    dkim: [{ result: 'none' }],
    arc: { result: 'none' },
    ...(dmarc ? { dmarc: { result: 'fail', domain: 'sender.test', policy: 'reject', pct: 100, ...dmarc } } : {}),
    rows: [],
    ...over,
  };
}

describe('decideAuth', () => {
  test('the defaults: SPF fail, softfail or neutral alone never reject; no DMARC record, no action', () => {
    for (const result of ['fail', 'softfail', 'neutral', 'none', 'permerror', 'temperror']) {
      assert.deepEqual(decideAuth(report({ spf: { result, domain: 'sender.test' } }), defaults, never), { kind: 'accept' }, result);
    }
  });

  test('DMARC fail under p=reject is rejected naming DMARC; with honourReject false it is quarantined', () => {
    assert.deepEqual(decideAuth(report({}, { policy: 'reject' }), defaults, never), { kind: 'reject', by: 'dmarc', reason: 'dmarc=fail (p=reject) header.from=sender.test' });
    assert.deepEqual(decideAuth(report({}, { policy: 'reject' }), config({ dmarc: { honourReject: false } }), never), {
      kind: 'accept',
      note: 'dmarc=fail (p=reject) header.from=sender.test',
    });
    assert.equal(decideAuth(report({}, { policy: 'reject' }), config({ dmarc: { honourReject: false, honourQuarantine: 'hold' } }), never).kind, 'hold');
  });

  test('DMARC fail under p=quarantine: header only by default, held with honourQuarantine hold; p=none: nothing', () => {
    assert.deepEqual(decideAuth(report({}, { policy: 'quarantine' }), defaults, never), { kind: 'accept', note: 'dmarc=fail (p=quarantine) header.from=sender.test' });
    assert.deepEqual(decideAuth(report({}, { policy: 'quarantine' }), config({ dmarc: { honourQuarantine: 'hold' } }), never), {
      kind: 'hold',
      reason: 'dmarc=fail (p=quarantine) header.from=sender.test',
    });
    assert.deepEqual(decideAuth(report({}, { policy: 'none' }), defaults, never), { kind: 'accept' });
  });

  test('DMARC pass, temperror and permerror are never acted on', () => {
    for (const result of ['pass', 'temperror', 'permerror', 'none']) {
      assert.deepEqual(decideAuth(report({}, { result, policy: 'reject' }), defaults, never), { kind: 'accept' }, result);
    }
  });

  test('pct below 100 applies the policy to that share; the rest gets the next policy down (RFC 7489 §6.6.4)', () => {
    const hold = config({ dmarc: { honourQuarantine: 'hold' } });
    assert.equal(decideAuth(report({}, { policy: 'reject', pct: 30 }), hold, () => 0.29).kind, 'reject');
    assert.equal(decideAuth(report({}, { policy: 'reject', pct: 30 }), hold, () => 0.3).kind, 'hold', 'reject → quarantine');
    assert.deepEqual(decideAuth(report({}, { policy: 'quarantine', pct: 0 }), hold, () => 0), { kind: 'accept' }, 'quarantine → none');
  });

  test('a trusted ARC sealer that saw DMARC pass overrides the failure; an untrusted one or a failing chain does not', () => {
    const trusting = config({ arc: { trustedSealers: ['list.test', '*.forwarder.test'] } });
    const arc = (sealer: string, result = 'pass', sealerDmarc = 'pass') => report({ arc: { result, sealer, sealerDmarc } }, { policy: 'reject' });
    assert.deepEqual(decideAuth(arc('list.test'), trusting, never), {
      kind: 'accept',
      note: 'dmarc=fail for sender.test overridden: trusted ARC sealer list.test saw dmarc=pass',
    });
    assert.equal(decideAuth(arc('mx.forwarder.test'), trusting, never).kind, 'accept', 'a pattern matches subdomains');
    assert.equal(decideAuth(arc('other.test'), trusting, never).kind, 'reject', 'not trusted');
    assert.equal(decideAuth(arc('list.test', 'fail'), trusting, never).kind, 'reject', 'the chain failed');
    assert.equal(decideAuth(arc('list.test', 'pass', 'fail'), trusting, never).kind, 'reject', 'the sealer saw DMARC fail too');
    assert.equal(decideAuth(arc('list.test'), defaults, never).kind, 'reject', 'no sealer is trusted by default');
  });

  test('spf.rejectFail rejects an SPF fail (MAIL FROM or HELO) unless DMARC passes (RFC 7489 §10.1); softfail never', () => {
    const strict = config({ spf: { rejectFail: true } });
    const fail = { result: 'fail', domain: 'sender.test' };
    assert.deepEqual(decideAuth(report({ spf: fail }), strict, never), { kind: 'reject', by: 'spf', reason: 'spf=fail for smtp.mailfrom domain sender.test' });
    assert.deepEqual(decideAuth(report({ helo: { result: 'fail', domain: 'helo.test' } }), strict, never), { kind: 'reject', by: 'spf', reason: 'spf=fail for smtp.helo helo.test' });
    assert.deepEqual(decideAuth(report({ spf: fail }, { result: 'pass' }), strict, never), { kind: 'accept' }, 'DKIM carried DMARC');
    assert.deepEqual(decideAuth(report({ spf: { result: 'softfail', domain: 'sender.test' } }), strict, never), { kind: 'accept' });
  });
});
