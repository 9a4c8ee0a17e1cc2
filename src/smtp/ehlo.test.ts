import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ehloReply } from './ehlo.js';

const base = { hostname: 'mx.test', heloName: 'c.test', clientIp: '127.0.0.1', maxSize: 1000, offerStartTls: false, offerAuth: false };

test('REQUIRETLS (RFC 8689) is in the EHLO reply only when offered', () => {
  assert.ok(ehloReply({ ...base, offerRequireTls: true }).lines.includes('REQUIRETLS'));
  assert.ok(!ehloReply({ ...base, offerRequireTls: false }).lines.includes('REQUIRETLS'));
  assert.ok(!ehloReply(base).lines.includes('REQUIRETLS'));
});
