import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/index.js';
import type { TlsPolicySource } from '../delivery/tls/host-tls.js';
import type { RecordResolver } from '../dns/index.js';
import { formatTlsCheck, tlsCheck, type TlsCheckContext } from './tls-commands.js';

const resolver = {
  resolveMx: async () => ({ ok: true, value: [{ exchange: 'mx1.d.test', preference: 10 }] }),
  resolveAddresses: async () => ({ ok: true, value: [{ address: '192.0.2.25', family: 4, ttl: 60 }] }),
} as unknown as RecordResolver;
/** A source that says what it was asked about, as MTA-STS's explain does. */
const source: TlsPolicySource = {
  name: 'mta-sts',
  plan: async () => undefined,
  explain: async (domain, hosts) => ({ source: 'mta-sts', found: true, summary: `enforce for ${domain}`, details: { hosts: hosts.map((h) => ({ host: h.host, applies: 'required-verify' })) } }),
};
const ctx = (raw: Record<string, unknown>, lastResult?: { at: number; result: string }): TlsCheckContext => ({
  config: parseConfig(raw, '/tmp'),
  resolver,
  outboundTls: { sources: [source], ...(lastResult ? { results: { record: () => {}, lastResult: async () => lastResult } } : {}), close: async () => {} },
  close: async () => {},
});

test('tls check lists the MX hosts, asks every source to explain the domain with them, and shows the last result', async () => {
  const r = await tlsCheck(ctx({}, { at: 0, result: 'success' }), 'D.test.');
  assert.equal(r.domain, 'd.test');
  assert.deepEqual(r.mx.hosts, [{ host: 'mx1.d.test', preference: 10, addresses: ['192.0.2.25'] }]);
  assert.deepEqual(r.sources.map((s) => s.summary), ['enforce for d.test']);
  assert.equal(r.route.pinned, false);
  assert.deepEqual(r.lastResult, { at: '1970-01-01T00:00:00.000Z', result: 'success' });
  const text = formatTlsCheck(r);
  assert.match(text, /MX 10 mx1\.d\.test \(192\.0\.2\.25\)/);
  assert.match(text, /mta-sts: enforce for d\.test\n {4}mx1\.d\.test: required-verify/);
  assert.match(text, /last result: success at 1970/);
});

test('tls check says when a route pins the policy, so no source applies', async () => {
  const r = await tlsCheck(ctx({ routes: [{ domains: ['d.test'], tls: 'required' }] }), 'd.test');
  assert.equal(r.route.pinned, true);
  assert.match(r.route.note, /a route sets tls required: DANE and MTA-STS are not consulted/);
  assert.match(formatTlsCheck(r), /mx1\.d\.test: not consulted \(route pinned\)/);
  assert.equal(r.lastResult, null);
});
