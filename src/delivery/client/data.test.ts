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
  assert.equal(Buffer.concat(chunks.flatMap((c) => c.chunk)).toString(), '0123456789');
  assert.deepEqual(bdatChunks(Buffer.alloc(0), 4).map((c) => c.command), ['BDAT 0 LAST\r\n']);
});

test('a message in parts goes out as the same bytes: stuffing and the final CRLF see across part boundaries', () => {
  const whole = 'Received: x\r\n.dot at a part start\r\nbody\r\n..two\r\nend';
  for (let cut = 0; cut <= whole.length; cut++) {
    const parts = [Buffer.from(whole.slice(0, cut)), Buffer.from(whole.slice(cut))];
    assert.equal(Buffer.concat(dataPayload(parts)).toString(), wire(whole), `cut at ${cut}`);
    const chunks = bdatChunks(parts, 7);
    assert.equal(Buffer.concat(chunks.flatMap((c) => c.chunk)).toString(), whole, `BDAT cut at ${cut}`);
    assert.ok(chunks.every((c, i) => c.command === `BDAT ${Buffer.concat(c.chunk).length}${i === chunks.length - 1 ? ' LAST' : ''}\r\n`));
  }
  assert.equal(Buffer.concat(dataPayload([Buffer.from('a\r'), Buffer.from('\n')])).toString(), 'a\r\n.\r\n', 'a CRLF split over two parts ends the message');
});
