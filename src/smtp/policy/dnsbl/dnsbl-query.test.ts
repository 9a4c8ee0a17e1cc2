import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dnsblQueryName } from './dnsbl-query.js';

test('an IPv4 client is asked with its octets reversed (RFC 5782 §2.1)', () => {
  assert.equal(dnsblQueryName('192.0.2.99', 'zen.example'), '99.2.0.192.zen.example');
});

test('an IPv4-mapped IPv6 client is asked as its IPv4 address', () => {
  assert.equal(dnsblQueryName('::ffff:192.0.2.99', 'zen.example'), '99.2.0.192.zen.example');
});

test('an IPv6 client is asked with its 32 nibbles reversed (RFC 5782 §2.4 example)', () => {
  assert.equal(
    dnsblQueryName('2001:db8:1:2:3:4:567:89ab', 'ugly.example.com'),
    'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com',
  );
  assert.equal(dnsblQueryName('::1', 'z.example'), `1.${'0.'.repeat(31)}z.example`);
});

test('something that is not an address is never asked about', () => {
  assert.equal(dnsblQueryName('not-an-ip', 'z.example'), undefined);
});
