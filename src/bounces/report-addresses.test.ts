import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { newQueueId, Replies } from '../core/index.js';
import { reportAddressesCheck } from '../smtp/policy/checks/report-addresses.js';
import { sessionFacts } from '../../test/helpers/session-facts.js';
import { ReportAddresses } from './report-addresses.js';
import { VerpTokens } from './verp-token.js';

const tokens = new VerpTokens([{ id: 'k1', secret: 'a secret of sixteen chars' }]);
const addresses = new ReportAddresses('bounces.example.test', tokens, ['FBL@Example.test']);
const check = reportAddressesCheck((rcpt) => addresses.target(rcpt)?.kind);
const rcpt = (local: string, domain: string) => check.run({ session: sessionFacts(), sender: null, params: {}, recipient: { address: { local, domain } }, accepted: [] });

describe('the report-addresses check (RCPT)', () => {
  test('accepts the VERP address with a token of ours, in any case', () => {
    const id = newQueueId({ now: () => 1 });
    assert.deepEqual(rcpt(`bounce+${tokens.sign(id)}`, 'bounces.example.test'), { kind: 'accept' });
    assert.deepEqual(rcpt(`BOUNCE+${tokens.sign(id).toUpperCase()}`, 'bounces.example.test'), { kind: 'accept' });
    assert.deepEqual(addresses.target({ local: `bounce+${tokens.sign(id)}`, domain: 'bounces.example.test' }), { kind: 'bounce', queueId: id });
  });
  test('refuses a forged token, and any other address of the bounce domain, with 550 5.1.1', () => {
    const forged = `bounce+${newQueueId({ now: () => 1 }).toLowerCase()}-k1-aaaaaaaaaa`;
    assert.deepEqual(rcpt(forged, 'bounces.example.test'), { kind: 'reject', reply: Replies.returnPathUnknown() });
    assert.deepEqual(rcpt('alice', 'bounces.example.test'), { kind: 'reject', reply: Replies.returnPathUnknown() });
  });
  test('accepts the complaint addresses (any case) and the bounce domain\'s postmaster (RFC 5321 §4.5.1)', () => {
    assert.deepEqual(rcpt('fbl', 'example.test'), { kind: 'accept' });
    assert.deepEqual(rcpt('Postmaster', 'bounces.example.test'), { kind: 'accept' });
  });
  test('has no opinion on anything else', () => {
    assert.deepEqual(rcpt('alice', 'example.test'), { kind: 'continue' });
    assert.deepEqual(rcpt('bounce+x', 'other.test'), { kind: 'continue' });
    assert.equal(new ReportAddresses(undefined, undefined, []).empty, true);
  });
});
