import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isLoopback, NetworkSet, unmapIpv4 } from './networks.js';

test('IPv4 and IPv6 CIDR blocks and single addresses', () => {
  const n = new NetworkSet(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::1']);
  for (const a of ['10.0.0.1', '10.255.255.255', '192.0.2.7', '2001:db8::1', '2001:db8:ffff::1', '::1', '0:0:0:0:0:0:0:1']) assert.ok(n.has(a), a);
  for (const a of ['11.0.0.1', '9.255.255.255', '192.0.2.8', '2001:db9::1', '::2', 'not-an-ip', '', '10.0.0.1.5']) assert.equal(n.has(a), false, a);
});

test('IPv4-mapped IPv6 client addresses match IPv4 trusted networks', () => {
  const n = new NetworkSet(['127.0.0.0/8', '192.168.0.0/16']);
  assert.ok(n.has('::ffff:127.0.0.1'));
  assert.ok(n.has('::ffff:192.168.1.20'));
  assert.ok(n.has('::FFFF:192.168.1.20'));
  assert.equal(n.has('::ffff:8.8.8.8'), false);
  // The hexadecimal spelling of the same mapped address (192.168.0.1).
  assert.ok(n.has('::ffff:c0a8:1'));
  assert.equal(n.has('::ffff:808:808'), false);
});

test('a trusted network written as IPv4-mapped IPv6 matches the IPv4 client', () => {
  const n = new NetworkSet(['::ffff:10.0.0.0/104']);
  assert.ok(n.has('10.0.0.5'));
  assert.ok(n.has('::ffff:10.0.0.5'));
  assert.equal(n.has('11.0.0.5'), false);
});

test('a /0 matches everything of its family, and an empty set nothing', () => {
  const all4 = new NetworkSet(['0.0.0.0/0']);
  assert.ok(all4.has('203.0.113.9'));
  assert.ok(all4.has('::ffff:203.0.113.9'));
  assert.equal(all4.has('2001:db8::1'), false);
  const none = new NetworkSet([]);
  assert.equal(none.has('127.0.0.1'), false);
  assert.equal(none.has('::1'), false);
});

test('unmapIpv4 and isLoopback', () => {
  assert.equal(unmapIpv4('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(unmapIpv4('10.1.2.3'), '10.1.2.3');
  assert.equal(unmapIpv4('::ffff:notip'), '::ffff:notip');
  assert.equal(unmapIpv4('2001:db8::1'), '2001:db8::1');
  for (const a of ['127.0.0.1', '127.255.0.1', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
  for (const a of ['128.0.0.1', '10.0.0.1', '::2', '::ffff:10.0.0.1']) assert.equal(isLoopback(a), false, a);
});
