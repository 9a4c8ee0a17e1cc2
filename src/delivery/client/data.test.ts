import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bdatChunks, dataPayload } from './data.js';

const wire = (m: string): string => Buffer.concat(dataPayload(Buffer.from(m))).toString();

test('lines starting with a dot get one more dot, and the message ends with CRLF.CRLF (RFC 5321 §4.5.2)', () => {
  assert.equal(wire('.first\r\nmid\r\n.\r\n..two\r\n'), '..first\r\nmid\r\n..\r\n...two\r\n.\r\n');
});

test('a message without a final CRLF gets one before the terminator', () => {
  assert.equal(wire('Subject: x\r\n\r\nbody'), 'Subject: x\r\n\r\nbody\r\n.\r\n');
  assert.equal(wire(''), '.\r\n');
});

test('a bare-LF dot line cannot end the message early (smuggling defence)', () => {
  assert.equal(wire('a\n.\r\nMAIL FROM:<x@y>\r\n'), 'a\n..\r\nMAIL FROM:<x@y>\r\n.\r\n');
});

test('BDAT chunks cover the message exactly, the last one marked LAST; an empty message is BDAT 0 LAST', () => {
  const msg = Buffer.from('0123456789');
  const chunks = bdatChunks(msg, 4);
  assert.deepEqual(chunks.map((c) => c.command), ['BDAT 4\r\n', 'BDAT 4\r\n', 'BDAT 2 LAST\r\n']);
  assert.equal(Buffer.concat(chunks.map((c) => c.chunk)).toString(), '0123456789');
  assert.deepEqual(bdatChunks(Buffer.alloc(0), 4).map((c) => c.command), ['BDAT 0 LAST\r\n']);
});
