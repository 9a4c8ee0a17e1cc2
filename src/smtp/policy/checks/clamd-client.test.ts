import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { prng } from '../../../../test/helpers/seeded-random.js';
import { clamdScan, parseClamdReply } from './clamd-client.js';

describe('parseClamdReply', () => {
  test('OK, FOUND with the signature, and errors (the size limit is an error, not a virus)', () => {
    assert.deepEqual(parseClamdReply('stream: OK\0'), { kind: 'clean' });
    assert.deepEqual(parseClamdReply('stream: Baton.Test.Signature-1.UNOFFICIAL FOUND\0'), { kind: 'infected', signature: 'Baton.Test.Signature-1.UNOFFICIAL' });
    assert.deepEqual(parseClamdReply('1: stream: Win.Test.EICAR_HDB-1 FOUND'), { kind: 'infected', signature: 'Win.Test.EICAR_HDB-1' });
    assert.deepEqual(parseClamdReply('INSTREAM size limit exceeded. ERROR\0'), { kind: 'error', reason: 'clamd: INSTREAM size limit exceeded. ERROR' });
    assert.equal(parseClamdReply('').kind, 'error');
    assert.equal(parseClamdReply('OK').kind, 'error', 'no "stream:" prefix: not an INSTREAM answer');
    assert.equal(parseClamdReply('stream: FOUND').kind, 'error', 'FOUND without a signature');
  });

  test('property: 5000 seeded random lines are clean only when exactly "stream: OK"', () => {
    const rnd = prng(0xc1a4);
    const parts = ['stream: ', 'OK', ' FOUND', ' ERROR', '1: ', 'x', ' ', '\0', 'Eicar', ':'];
    for (let i = 0; i < 5000; i++) {
      let line = '';
      for (let k = rnd.int(6); k >= 0; k--) line += parts[rnd.int(parts.length)];
      const r = parseClamdReply(line);
      const core = line.replace(/\0+$/, '').trim().replace(/^(?:\d+: )?/, '');
      if (r.kind === 'clean') assert.equal(core, 'stream: OK', JSON.stringify(line));
      if (r.kind === 'infected') assert.ok(core.startsWith('stream: ') && core.endsWith(` ${r.signature} FOUND`), JSON.stringify(line));
    }
  });
});

/** A stand-in clamd on a unix socket (a unit test: the e2e tests use the real one) recording what it was sent. */
async function fakeClamd(answer: (received: Buffer, socket: Socket) => void): Promise<{ path: string; server: Server }> {
  const path = join(await mkdtemp(join(tmpdir(), 'baton-clamd-unit-')), 'clamd.sock');
  const server = createServer((s) => {
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => {
      parts.push(d);
      answer(Buffer.concat(parts), s);
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return { path, server };
}

/** The data of an INSTREAM request, or undefined until its zero-length terminator has arrived. */
function unframe(b: Buffer): Buffer | undefined {
  const command = 'zINSTREAM\0';
  assert.equal(b.subarray(0, command.length).toString('latin1'), command.slice(0, Math.min(command.length, b.length)));
  const chunks: Buffer[] = [];
  for (let at = command.length; at + 4 <= b.length; ) {
    const n = b.readUInt32BE(at);
    if (n === 0) return Buffer.concat(chunks);
    assert.ok(n <= 64 * 1024, 'chunks stay within 64 KiB');
    if (at + 4 + n > b.length) return undefined;
    chunks.push(b.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return undefined;
}

describe('clamdScan', () => {
  test('sends zINSTREAM, length-prefixed chunks and a zero terminator, and reads the NUL-ended answer', async () => {
    const message = Buffer.alloc(200_000, 'abc\r\n');
    let got: Buffer | undefined;
    const { path, server } = await fakeClamd((received, s) => {
      got = unframe(received);
      if (got) s.end('stream: OK\0');
    });
    try {
      assert.deepEqual(await clamdScan(path, message, 5000), { kind: 'clean' });
      assert.ok(got?.equals(message), 'clamd received the message exactly');
    } finally {
      server.close();
    }
  });

  test('an answer before everything was sent (size limit) is read, not lost to the broken pipe', async () => {
    const { path, server } = await fakeClamd((_received, s) => s.end('INSTREAM size limit exceeded. ERROR\0'));
    try {
      const r = await clamdScan(path, Buffer.alloc(4_000_000, 'x'), 5000);
      assert.deepEqual(r, { kind: 'error', reason: 'clamd: INSTREAM size limit exceeded. ERROR' });
    } finally {
      server.close();
    }
  });

  test('no clamd at the socket, or no answer in time: rejects with the reason', async () => {
    await assert.rejects(clamdScan('/nonexistent/clamd.sock', Buffer.from('x'), 5000), /clamd at \/nonexistent\/clamd.sock/);
    const { path, server } = await fakeClamd(() => undefined);
    try {
      await assert.rejects(clamdScan(path, Buffer.from('x'), 200), /did not answer within 200 ms/);
    } finally {
      server.close();
    }
  });
});
