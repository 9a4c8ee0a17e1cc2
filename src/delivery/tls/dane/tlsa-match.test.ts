import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { issueServerCert, makeTestCa } from '../../../../test/helpers/tls.js';
import type { TlsaRecord } from '../../../dns/index.js';
import { isUsable, matchChain, presentTlsa } from './tlsa-match.js';

/**
 * The TLSA matcher (RFC 6698 §2.1, RFC 7671 §5, RFC 7672 §3) against real
 * certificates made by openssl: a test CA, a leaf it issued for mx.dane.test,
 * and a leaf of the same name from another CA.
 */
describe('TLSA matching', () => {
  let dir: string;
  let ca: X509Certificate;
  let leaf: X509Certificate;
  let stranger: X509Certificate;
  let otherCa: X509Certificate;
  const names = ['mx.dane.test', 'dane.test'];
  let now: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-tlsa-'));
    const caFiles = await makeTestCa(dir, 'DANE Test CA');
    const otherFiles = await makeTestCa(dir, 'Other CA');
    const load = async (f: string) => new X509Certificate(await readFile(f));
    ca = await load(caFiles.cert);
    otherCa = await load(otherFiles.cert);
    leaf = await load((await issueServerCert(caFiles, dir, 'leaf', { dns: ['mx.dane.test'] })).cert);
    stranger = await load((await issueServerCert(otherFiles, dir, 'stranger', { dns: ['mx.dane.test'] })).cert);
    now = Date.parse(leaf.validFrom) + 60_000;
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const spki = (c: X509Certificate) => c.publicKey.export({ type: 'spki', format: 'der' });
  const digest = (data: Buffer, matchingType: number) =>
    matchingType === 0 ? data : createHash(matchingType === 1 ? 'sha256' : 'sha512').update(data).digest();
  const rec = (usage: number, selector: number, matchingType: number, c: X509Certificate): TlsaRecord => ({
    usage,
    selector,
    matchingType,
    data: digest(selector === 0 ? c.raw : spki(c), matchingType),
  });

  test('DANE-EE matches the leaf by every selector and matching type, and nothing else', () => {
    for (const selector of [0, 1]) {
      for (const matchingType of [0, 1, 2]) {
        const r = rec(3, selector, matchingType, leaf);
        assert.deepEqual(matchChain({ chain: [leaf, ca], records: [r], names, now }), { ok: true }, presentTlsa(r).slice(0, 8));
        const wrong = matchChain({ chain: [stranger, otherCa], records: [r], names, now });
        assert.equal(wrong.ok ? 'ok' : wrong.code, 'dane-mismatch', `${selector} ${matchingType} against another certificate`);
      }
    }
  });

  test('DANE-EE checks neither the name nor the dates (RFC 7672 §3.1.1)', () => {
    const far = Date.parse(leaf.validTo) + 365 * 86_400_000;
    assert.deepEqual(matchChain({ chain: [leaf], records: [rec(3, 1, 1, leaf)], names: ['elsewhere.example'], now: far }), { ok: true });
  });

  test('DANE-EE on the CA does not match: usage 3 is about the leaf only', () => {
    const got = matchChain({ chain: [leaf, ca], records: [rec(3, 0, 1, ca)], names, now });
    assert.equal(got.ok ? 'ok' : got.code, 'dane-mismatch');
  });

  test('DANE-TA: a CA in the presented chain that signed the leaf, and the leaf names the MX host', () => {
    for (const [selector, matchingType] of [[0, 1], [1, 1], [0, 2], [1, 0]] as const) {
      assert.deepEqual(matchChain({ chain: [leaf, ca], records: [rec(2, selector, matchingType, ca)], names, now }), { ok: true }, `2 ${selector} ${matchingType}`);
    }
  });

  test('DANE-TA refuses a leaf for another name, and an expired leaf (RFC 7672 §3.2.3)', () => {
    const r = rec(2, 0, 1, ca);
    const named = matchChain({ chain: [leaf, ca], records: [r], names: ['other.dane.test', 'dane.test'], now });
    assert.equal(named.ok ? 'ok' : named.code, 'dane-name-mismatch');
    const late = matchChain({ chain: [leaf, ca], records: [r], names, now: Date.parse(leaf.validTo) + 1000 });
    assert.equal(late.ok ? 'ok' : late.code, 'dane-expired');
  });

  test('DANE-TA refuses a chain where the matching CA did not sign the leaf', () => {
    // The server sends our CA after a leaf another CA issued: the record matches a chain member, the signature does not.
    const got = matchChain({ chain: [stranger, ca], records: [rec(2, 0, 1, ca)], names, now });
    assert.equal(got.ok ? 'ok' : got.code, 'dane-mismatch');
  });

  test('DANE-TA with the whole anchor in the record (matching type 0) works when the server leaves the anchor out', () => {
    assert.deepEqual(matchChain({ chain: [leaf], records: [rec(2, 0, 0, ca)], names, now }), { ok: true });
    assert.deepEqual(matchChain({ chain: [leaf], records: [rec(2, 1, 0, ca)], names, now }), { ok: true });
    // A digest cannot stand in for an anchor that is not there.
    const digestOnly = matchChain({ chain: [leaf], records: [rec(2, 0, 1, ca)], names, now });
    assert.equal(digestOnly.ok ? 'ok' : digestOnly.code, 'dane-mismatch');
    const otherAnchor = matchChain({ chain: [leaf], records: [rec(2, 0, 0, otherCa)], names, now });
    assert.equal(otherAnchor.ok ? 'ok' : otherAnchor.code, 'dane-mismatch');
  });

  test('one matching record among others is enough', () => {
    const records = [rec(3, 1, 1, stranger), rec(2, 0, 1, otherCa), rec(3, 1, 2, leaf)];
    assert.deepEqual(matchChain({ chain: [leaf, ca], records, names, now }), { ok: true });
  });

  test('no certificate at all fails', () => {
    const got = matchChain({ chain: [], records: [rec(3, 1, 1, leaf)], names, now });
    assert.equal(got.ok ? 'ok' : got.code, 'dane-no-certificate');
  });

  test('PKIX-TA(0), PKIX-EE(1) and unknown selectors or matching types are unusable (RFC 7672 §3.1.3)', () => {
    const data = Buffer.alloc(32);
    const r = (usage: number, selector: number, matchingType: number) => ({ usage, selector, matchingType, data });
    assert.deepEqual(
      [r(0, 1, 1), r(1, 1, 1), r(2, 2, 1), r(3, 1, 3), r(4, 0, 0), r(2, 0, 0), r(3, 1, 2)].map(isUsable),
      [false, false, false, false, false, true, true],
    );
  });
});
