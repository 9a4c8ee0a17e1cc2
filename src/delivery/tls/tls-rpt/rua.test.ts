import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseTlsRptRecord } from './rua.js';

test('a TLSRPTv1 record gives its mailto and https destinations (RFC 8460 §3)', () => {
  assert.deepEqual(parseTlsRptRecord([['v=TLSRPTv1; rua=mailto:tlsrpt@a.test,https://reports.a.test/v1/tlsrpt']]), {
    ok: true,
    destinations: [
      { kind: 'mailto', uri: 'mailto:tlsrpt@a.test', address: 'tlsrpt@a.test' },
      { kind: 'https', uri: 'https://reports.a.test/v1/tlsrpt' },
    ],
  });
  // Strings of one record are joined; other TXT records (SPF) are ignored.
  const split = parseTlsRptRecord([['v=spf1 -all'], ['v=TLSRPTv1;', 'rua=https://r.a.test/x']]);
  assert.deepEqual(split.ok && split.destinations, [{ kind: 'https', uri: 'https://r.a.test/x' }]);
});

test('no record, two records, no rua or only unusable URIs: the domain takes no reports', () => {
  assert.equal(parseTlsRptRecord([]).ok, false);
  assert.equal(parseTlsRptRecord([['v=TLSRPTv1; rua=mailto:a@a.test'], ['v=TLSRPTv1; rua=mailto:b@a.test']]).ok, false);
  assert.equal(parseTlsRptRecord([['v=TLSRPTv1;']]).ok, false);
  assert.equal(parseTlsRptRecord([['v=TLSRPTv1; rua=http://plain.a.test/,ftp://x.test/']]).ok, false);
  assert.equal(parseTlsRptRecord([['v=TLSRPTv2; rua=mailto:a@a.test']]).ok, false);
});
