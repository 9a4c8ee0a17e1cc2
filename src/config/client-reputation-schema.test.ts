import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './index.js';

const configWith = (raw: Record<string, unknown>) => parseConfig(raw, '/tmp');

test('DNS list sites are read from postscreen strings and from maps alike', () => {
  const c = configWith({ dnsbl: { sites: ['zen.example=127.0.0.[2..11]*3', { zone: 'wl.example', filter: '127.0.[0..255].[1..3]', weight: -2 }, { zone: 'bl.example' }] } });
  assert.deepEqual(
    c.dnsbl.sites.map((s) => [s.zone, s.weight, s.filter !== undefined]),
    [
      ['zen.example', 3, true],
      ['wl.example', -2, true],
      ['bl.example', 1, false],
    ],
  );
});

test('a bad site fails at start with its key path and what is wrong', () => {
  assert.throws(
    () => configWith({ dnsbl: { sites: ['zen.example', 'bad.example=127.0.0'] } }),
    (e: unknown) => e instanceof ConfigError && /dnsbl\.sites\.1/.test(e.message) && /four octets/.test(e.message),
  );
  assert.throws(
    () => configWith({ dnsbl: { sites: [{ zone: 'bl.example', weight: 0 }] } }),
    (e: unknown) => e instanceof ConfigError && /dnsbl\.sites\.0/.test(e.message) && /non-zero/.test(e.message),
  );
});

test('the reputation checks are named in checks.<role>; unknown-sender and greylist are not on by default', () => {
  const c = configWith({});
  assert.ok(c.checks.mx.includes('dnsbl') && c.checks.mx.includes('helo'));
  assert.ok(!c.checks.mx.includes('unknown-sender') && !c.checks.mx.includes('greylist'));
  assert.ok(!c.checks.submission.includes('dnsbl') && !c.checks.submissions.includes('helo'));
  assert.deepEqual(configWith({ checks: { mx: ['relay-access', 'greylist'] } }).checks.mx, ['relay-access', 'greylist']);
});
