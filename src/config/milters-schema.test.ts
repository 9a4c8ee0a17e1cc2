import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './index.js';

const milters = (m: unknown) => parseConfig({ milters: m }, '/tmp').milters;

test('milters: none by default; a milter gets Postfix-like timeouts and fails closed', () => {
  assert.deepEqual(parseConfig({}, '/tmp').milters, []);
  assert.deepEqual(milters([{ name: 'opendkim', socket: 'unix:/run/opendkim/opendkim.sock' }]), [
    { name: 'opendkim', socket: 'unix:/run/opendkim/opendkim.sock', timeout: 30_000, messageTimeout: 300_000, onFailure: 'closed', scanTrusted: false },
  ]);
});

test('milters[].socket is unix:/path or inet:host:port; names are unique; bad values name the key', () => {
  for (const socket of ['unix:/tmp/m.sock', 'inet:127.0.0.1:8891', 'inet:[::1]:8891', 'inet:milter.internal:1']) assert.equal(milters([{ name: 'm', socket }])[0]?.socket, socket);
  for (const socket of ['/tmp/m.sock', 'unix:relative', 'inet:127.0.0.1', 'inet:127.0.0.1:0', 'inet:127.0.0.1:65536', 'local:/tmp/m.sock', '']) {
    assert.throws(() => milters([{ name: 'm', socket }]), (e: unknown) => e instanceof ConfigError && /milters\.0\.socket|milters\[0\]\.socket/.test(e.message), socket);
  }
  assert.throws(() => milters([{ name: 'a', socket: 'unix:/x' }, { name: 'a', socket: 'unix:/y' }]), /a name of its own/);
  assert.throws(() => milters([{ name: 'has space', socket: 'unix:/x' }]), /milters.*name/);
  assert.throws(() => milters([{ name: 'm', socket: 'unix:/x', onFailure: 'maybe' }]), /onFailure/);
});
