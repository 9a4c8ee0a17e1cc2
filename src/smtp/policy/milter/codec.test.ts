import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cstr, decodeResponse, MilterProtocolError, packet, PacketReader, uint32, type RawPacket } from './codec.js';

const raw = (cmd: string, ...parts: (Buffer | string)[]): RawPacket => {
  const p = packet(cmd, ...parts);
  return { cmd, data: p.subarray(5) };
};

test('packets: 4-byte big-endian length of command + data, then the command letter', () => {
  assert.deepEqual(packet('O', uint32(6), uint32(0x31), uint32(0x1fffff)), Buffer.from([0, 0, 0, 13, 0x4f, 0, 0, 0, 6, 0, 0, 0, 0x31, 0, 0x1f, 0xff, 0xff]));
  assert.deepEqual(packet('L', cstr('Subject'), cstr('hi')), Buffer.from('\x00\x00\x00\x0cLSubject\x00hi\x00', 'latin1'));
  assert.throws(() => cstr('a\x00b'), MilterProtocolError);
});

test('the reader cuts packets however the bytes are split, and refuses impossible lengths', () => {
  const stream = Buffer.concat([packet('c'), packet('h', cstr('X-A'), cstr('1')), packet('y', cstr('550 5.7.1 no'))]);
  for (let cut = 0; cut <= stream.length; cut++) {
    const r = new PacketReader();
    const got = [...r.push(stream.subarray(0, cut)), ...r.push(stream.subarray(cut))];
    assert.deepEqual(got.map((p) => p.cmd), ['c', 'h', 'y'], `cut at ${cut}`);
  }
  assert.throws(() => new PacketReader().push(Buffer.from([0, 0, 0, 0])), /outside/);
  assert.throws(() => new PacketReader().push(Buffer.from([0x7f, 0, 0, 0, 0x63])), /outside/);
});

test('replies decode: OPTNEG, verdicts, header edits, quarantine', () => {
  assert.deepEqual(decodeResponse(raw('O', uint32(6), uint32(0x21), uint32(0x40))), { kind: 'optneg', version: 6, actions: 0x21, protocol: 0x40 });
  assert.deepEqual(decodeResponse(raw('c')), { kind: 'continue' });
  assert.deepEqual(decodeResponse(raw('r')), { kind: 'reject' });
  assert.deepEqual(decodeResponse(raw('t')), { kind: 'tempfail' });
  assert.deepEqual(decodeResponse(raw('d')), { kind: 'discard' });
  assert.deepEqual(decodeResponse(raw('p')), { kind: 'progress' });
  assert.deepEqual(decodeResponse(raw('h', cstr('DKIM-Signature'), cstr('v=1;\n\tb=x'))), { kind: 'addheader', name: 'DKIM-Signature', value: 'v=1;\n\tb=x' });
  assert.deepEqual(decodeResponse(raw('m', uint32(2), cstr('Subject'), cstr(''))), { kind: 'chgheader', index: 2, name: 'Subject', value: '' });
  assert.deepEqual(decodeResponse(raw('i', uint32(0), cstr('X-Top'), cstr('1'))), { kind: 'insheader', index: 0, name: 'X-Top', value: '1' });
  assert.deepEqual(decodeResponse(raw('q', cstr('bad'))), { kind: 'quarantine', reason: 'bad' });
  assert.deepEqual(decodeResponse(raw('e', cstr('<x@y>'))), { kind: 'unoffered', cmd: 'e' });
});

test('REPLYCODE is checked (RFC 5321 §4.2): 4xx/5xx, status class matching, multi-line form', () => {
  assert.deepEqual(decodeResponse(raw('y', cstr('550 5.7.0 no DKIM signature data'))), { kind: 'replycode', code: 550, status: '5.7.0', lines: ['no DKIM signature data'] });
  assert.deepEqual(decodeResponse(raw('y', cstr('451 try later'))), { kind: 'replycode', code: 451, lines: ['try later'] });
  assert.deepEqual(decodeResponse(raw('y', cstr('554-5.7.1 one\r\n554 5.7.1 two'))), { kind: 'replycode', code: 554, status: '5.7.1', lines: ['one', 'two'] });
  for (const bad of ['250 2.0.0 ok', '550 4.7.1 mismatch', '55 short', '550-only dash', '550 a\r\n551 b', '550 bare\nLF', '550 x\r\n550-y']) {
    assert.throws(() => decodeResponse(raw('y', cstr(bad))), MilterProtocolError, bad);
  }
});

test('malformed replies are errors: extra bytes, missing NULs, bad field names, unknown commands', () => {
  assert.throws(() => decodeResponse(raw('c', 'x')), /unexpected/);
  assert.throws(() => decodeResponse(raw('h', cstr('X-A'), 'no-nul')), /NUL/);
  assert.throws(() => decodeResponse(raw('h', cstr('X-A'), cstr('1'), 'tail')), /after/);
  assert.throws(() => decodeResponse(raw('h', cstr('Bad Name'), cstr('1'))), /not a header field name/);
  assert.throws(() => decodeResponse(raw('m', 'ab')), /too short/);
  assert.throws(() => decodeResponse(raw('O', uint32(6))), /needs 12/);
  assert.throws(() => decodeResponse(raw('Z')), /unknown reply command/);
});

/** mulberry32: a small seeded generator, so a failing case is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test('fuzz (seeded, 20,000 cases): the reply parser returns a well-formed reply or throws MilterProtocolError, nothing else', () => {
  const next = rng(0x6d696c74);
  const int = (n: number) => Math.floor(next() * n);
  const samples = [
    packet('O', uint32(6), uint32(1), uint32(0)), packet('y', cstr('550 5.7.1 no')), packet('h', cstr('X-A'), cstr('v')),
    packet('m', uint32(1), cstr('Subject'), cstr('x')), packet('q', cstr('why')), packet('c'),
  ];
  const letters = 'OcartdpsfyhimqlbeE+-24Zz\x00';
  for (let i = 0; i < 20_000; i++) {
    let data: Buffer;
    let cmd: string;
    if (i % 2 === 0) {
      // A valid reply with a few bytes flipped, cut or added.
      const base = Buffer.from(samples[int(samples.length)] as Buffer);
      for (let k = int(4); k > 0; k--) base[5 + int(Math.max(1, base.length - 5))] = int(256);
      data = base.subarray(5, 5 + int(base.length));
      cmd = i % 4 === 0 ? String.fromCharCode(base[4] as number) : (letters[int(letters.length)] as string);
    } else {
      data = Buffer.from(Array.from({ length: int(40) }, () => (next() < 0.3 ? 0 : int(256))));
      cmd = letters[int(letters.length)] as string;
    }
    try {
      const r = decodeResponse({ cmd, data });
      if (r.kind === 'replycode') {
        assert.ok(r.code >= 400 && r.code <= 599);
        if (r.status) assert.equal(r.status[0], String(r.code)[0]);
        for (const l of r.lines) assert.doesNotMatch(l, /[\r\n]/);
      }
      if (r.kind === 'addheader' || r.kind === 'chgheader' || r.kind === 'insheader') assert.match(r.name, /^[\x21-\x39\x3b-\x7e]+$/);
    } catch (e) {
      assert.ok(e instanceof MilterProtocolError, `case ${i} (${cmd} ${data.toString('hex')}): ${(e as Error).stack}`);
    }
  }
});

test('fuzz (seeded): random byte streams through the reader only yield packets of legal size or a MilterProtocolError', () => {
  const next = rng(42);
  for (let i = 0; i < 2_000; i++) {
    const r = new PacketReader();
    try {
      for (let k = 0; k < 5; k++) {
        const chunk = Buffer.from(Array.from({ length: Math.floor(next() * 16) }, () => (next() < 0.5 ? 0 : Math.floor(next() * 256))));
        for (const p of r.push(chunk)) assert.equal(p.cmd.length, 1);
      }
    } catch (e) {
      assert.ok(e instanceof MilterProtocolError, (e as Error).stack);
    }
  }
});
