import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseServer, resolveServers } from './servers.js';

test('servers are written "ip", "ip:port" or "[v6]:port"; port 53 by default', () => {
  assert.deepEqual(parseServer('127.0.0.1'), { host: '127.0.0.1', port: 53, family: 4 });
  assert.deepEqual(parseServer('127.0.0.1:5353'), { host: '127.0.0.1', port: 5353, family: 4 });
  assert.deepEqual(parseServer('::1'), { host: '::1', port: 53, family: 6 });
  assert.deepEqual(parseServer('[::1]:5353'), { host: '::1', port: 5353, family: 6 });
  for (const bad of ['localhost', 'localhost:53', '127.0.0.1:0', '127.0.0.1:70000', '[::1]', '::1:53x', '']) {
    assert.equal(parseServer(bad), undefined, bad);
  }
});

test('the system resolvers are used when none are configured, the local machine when there are none at all', () => {
  const system = () => ['127.0.0.53', '[::1]:5353'];
  assert.deepEqual(resolveServers(undefined, system).map((s) => `${s.host}/${s.port}`), ['127.0.0.53/53', '::1/5353']);
  assert.deepEqual(resolveServers([], system).map((s) => s.host), ['127.0.0.53', '::1']);
  assert.deepEqual(resolveServers(['127.0.0.1:5300'], system).map((s) => s.port), [5300]);
  assert.deepEqual(resolveServers(undefined, () => []), [{ host: '127.0.0.1', port: 53, family: 4 }]);
  assert.throws(() => resolveServers(['dns.example']), /not a DNS server address/);
});
