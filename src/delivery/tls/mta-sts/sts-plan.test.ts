import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../../../log/index.js';
import type { SiteHost } from '../../mx.js';
import { isRefusal, type HostTls } from '../host-tls.js';
import { stsPlan } from './sts-plan.js';
import type { StoredStsPolicy } from './store/index.js';

const host = (name: string): SiteHost => ({ host: name, preference: 10, addresses: [{ address: '127.0.0.1', family: 4, ttl: 60 }] });
const stored = (mode: 'enforce' | 'testing' | 'none'): StoredStsPolicy => ({ domain: 'd.test', id: '1', policy: { mode, mx: ['*.mx.d.test'], maxAge: 60 }, fetchedAt: 0, expiresAt: 60_000 });
const opts = { ca: ['PEM'], defaultTls: 'opportunistic' as const, logger: silentLogger() };

test('enforce: a matching MX must be reached with a verified certificate for its own name and the CA bundle', () => {
  const d = stsPlan('d.test', stored('enforce'), opts)?.forHost(host('a.mx.d.test'));
  assert.ok(d && !isRefusal(d));
  assert.equal(d.tls, 'required-verify');
  assert.deepEqual(d.settings, { servername: 'a.mx.d.test', ca: ['PEM'] });
  assert.deepEqual({ type: d.policy.type, mode: d.policy.mode, mxHost: d.policy.mxHost }, { type: 'sts', mode: 'enforce', mxHost: ['*.mx.d.test'] });
});

test('enforce: an MX the policy does not list is refused for now (deferred), saying which host and which patterns', () => {
  const d = stsPlan('d.test', stored('enforce'), opts)?.forHost(host('mx.elsewhere.test'));
  assert.ok(d && isRefusal(d));
  assert.equal(d.temporary, true);
  assert.equal(d.resultType, 'validation-failure');
  assert.match(d.reason, /MX host mx\.elsewhere\.test is not in the MTA-STS policy of d\.test .*\*\.mx\.d\.test/);
});

test('testing: every MX is used opportunistically, with a peer check that reports; mode none is no plan', () => {
  const d = stsPlan('d.test', stored('testing'), opts)?.forHost(host('mx.elsewhere.test')) as HostTls;
  assert.equal(d.tls, 'opportunistic');
  assert.equal(typeof d.checkPeer, 'function');
  assert.equal(d.policy.mode, 'testing');
  assert.equal(stsPlan('d.test', stored('none'), opts), undefined);
  assert.equal(stsPlan('d.test', stored('testing'), { ...opts, defaultTls: 'required-verify' }), undefined, 'a stricter delivery.tls is left alone');
});
