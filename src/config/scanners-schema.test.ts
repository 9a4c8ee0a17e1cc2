import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from './index.js';

const scanners = (s: Record<string, unknown>) => parseConfig({ scanners: s }, '/tmp').scanners;

test('scanners: the defaults need no daemon until a check names them', () => {
  assert.deepEqual(scanners({}), {
    rspamd: { url: 'http://127.0.0.1:11333', timeout: 15_000, onFailure: 'open', scanTrusted: false },
    clamav: { socket: '/var/run/clamav/clamd.ctl', timeout: 30_000, onFailure: 'closed', scanTrusted: false },
  });
});

test('scanners.clamav.socket is a unix socket path or host:port', () => {
  for (const socket of ['/run/clamav/clamd.ctl', '127.0.0.1:3310', '[::1]:3310', 'clamd.internal:3310']) assert.equal(scanners({ clamav: { socket } }).clamav.socket, socket);
  for (const socket of ['clamd.ctl', '127.0.0.1', '127.0.0.1:0', '']) {
    assert.throws(() => scanners({ clamav: { socket } }), (e: unknown) => e instanceof ConfigError && /scanners\.clamav\.socket/.test(e.message), socket);
  }
});

test('scanners.rspamd.url must be http://; bad values name the key', () => {
  assert.equal(scanners({ rspamd: { url: 'http://10.0.0.5:11333/' } }).rspamd.url, 'http://10.0.0.5:11333/');
  for (const url of ['https://rspamd:11333', 'rspamd:11333', '']) {
    assert.throws(() => scanners({ rspamd: { url } }), (e: unknown) => e instanceof ConfigError && /scanners\.rspamd\.url/.test(e.message), url);
  }
  assert.throws(() => scanners({ rspamd: { onFailure: 'maybe' } }), /scanners\.rspamd\.onFailure/);
  assert.throws(() => scanners({ clamav: { timeout: '50ms' } }), /scanners\.clamav\.timeout/);
});
