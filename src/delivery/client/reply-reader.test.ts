import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplyProtocolError, ReplyReader } from './reply-reader.js';

function readAll(r: ReplyReader) {
  const out = [];
  for (let x = r.shift(); x; x = r.shift()) out.push(x);
  return out;
}

test('a multi-line EHLO reply arriving one byte at a time is assembled into one reply', () => {
  const wire = Buffer.from('250-mx.example.com greets you\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 CHUNKING\r\n');
  const r = new ReplyReader();
  for (let i = 0; i < wire.length; i++) {
    r.push(wire.subarray(i, i + 1));
    if (i < wire.length - 1) assert.equal(r.shift(), undefined, `no reply before the last byte (at ${i})`);
  }
  const [reply, more] = readAll(r);
  assert.equal(more, undefined);
  assert.equal(reply?.code, 250);
  assert.deepEqual(reply?.lines, ['mx.example.com greets you', 'PIPELINING', 'SIZE 1000', 'CHUNKING']);
});

test('several pipelined replies in one chunk come out in order with enhanced status lifted', () => {
  const r = new ReplyReader();
  r.push(Buffer.from('250 2.1.0 Ok\r\n550 5.1.1 <x@y>: no such user\r\n250 2.1.5 Ok\r\n354 go'));
  r.push(Buffer.from(' ahead\r\n'));
  const replies = readAll(r);
  assert.deepEqual(
    replies.map((x) => [x.code, x.status ? `${x.status.class}.${x.status.subject}.${x.status.detail}` : '', x.lines.join('|')]),
    [
      [250, '2.1.0', 'Ok'],
      [550, '5.1.1', '<x@y>: no such user'],
      [250, '2.1.5', 'Ok'],
      [354, '', 'go ahead'],
    ],
  );
});

test('a multi-line reply split inside its CRLF and inside a line is still one reply', () => {
  const r = new ReplyReader();
  r.push(Buffer.from('451-4.3.0 first\r'));
  r.push(Buffer.from('\n451-4.3.0 sec'));
  assert.equal(r.shift(), undefined);
  r.push(Buffer.from('ond\r\n451 4.3.0 third\r\n'));
  const reply = r.shift();
  assert.equal(reply?.code, 451);
  assert.deepEqual(reply?.lines, ['first', 'second', 'third']);
});

test('bare LF line ends and a bare code are accepted', () => {
  const r = new ReplyReader();
  r.push(Buffer.from('220\n250-a\n250 b\n'));
  assert.deepEqual(readAll(r).map((x) => [x.code, x.lines]), [
    [220, ['']],
    [250, ['a', 'b']],
  ]);
});

test('a line that is not a reply is a protocol error', () => {
  const r = new ReplyReader();
  assert.throws(() => r.push(Buffer.from('HTTP/1.1 400 Bad Request\r\n')), ReplyProtocolError);
});

test('a code change inside a multi-line reply is a protocol error', () => {
  const r = new ReplyReader();
  assert.throws(() => r.push(Buffer.from('250-a\r\n550 b\r\n')), ReplyProtocolError);
});

test('an endless line without LF is cut off as a protocol error', () => {
  const r = new ReplyReader();
  assert.throws(() => {
    for (let i = 0; i < 10; i++) r.push(Buffer.alloc(1024, 0x41));
  }, ReplyProtocolError);
});

