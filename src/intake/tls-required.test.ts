import assert from 'node:assert/strict';
import { test } from 'node:test';
import { paramsWithTlsRequired } from './tls-required.js';

const msg = (head: string) => Buffer.from(`${head}Subject: x\r\n\r\nTLS-Required: No\r\n`);

test('TLS-Required: No (RFC 8689 §4.1) tags a message without REQUIRETLS requireTls: false; any case, folded', () => {
  assert.deepEqual(paramsWithTlsRequired({}, msg('TLS-Required: No\r\n')), { requireTls: false });
  assert.deepEqual(paramsWithTlsRequired({ body: '8BITMIME' }, msg('tls-required:   no \r\n')), { body: '8BITMIME', requireTls: false });
  assert.deepEqual(paramsWithTlsRequired({}, msg('TLS-Required:\r\n No\r\n')), { requireTls: false });
});

test('no field, another value, or the field only in the body: untagged', () => {
  assert.deepEqual(paramsWithTlsRequired({}, msg('')), {});
  assert.deepEqual(paramsWithTlsRequired({}, msg('TLS-Required: Yes\r\n')), {});
});

test('with the REQUIRETLS parameter the header field is ignored (RFC 8689 §4.1)', () => {
  assert.deepEqual(paramsWithTlsRequired({ requireTls: true }, msg('TLS-Required: No\r\n')), { requireTls: true });
});
