import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as packet from 'dns-packet';
import { decodeReply, type Question } from './message.js';
import { prng } from '../../test/helpers/seeded-random.js';

/**
 * Fuzz: whatever arrives on the resolver's socket (a spoofer's bytes, a broken
 * middlebox, a truncated datagram) goes through decodeReply, which must return
 * a reply or undefined and never throw: an exception there would escape the
 * socket's message handler and take the process down. Seeded (mulberry32), a
 * fixed number of cases.
 */

type Rand = ReturnType<typeof prng>;
const Q: Question = { id: 0x1234, name: '2.0.0.127.zen.example', type: 'A' };

/** A well-formed reply to Q, with a random mix of answers, to mutate. */
function validReply(r: Rand): Buffer {
  const answers: packet.Answer[] = [];
  for (let i = r.int(4); i > 0; i--) {
    answers.push(
      r.next() < 0.7
        ? { type: 'A', name: Q.name, ttl: r.int(86400), data: `127.0.${r.int(256)}.${r.int(256)}` }
        : { type: 'TXT', name: Q.name, ttl: r.int(86400), data: ['listed; see https://example.test/' + r.int(1000)] },
    );
  }
  return packet.encode({
    type: 'response',
    id: Q.id,
    flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (r.next() < 0.2 ? packet.TRUNCATED_RESPONSE : 0),
    questions: [{ type: 'A', name: Q.name, class: 'IN' }],
    answers,
  });
}

/** Truncate, flip, overwrite or splice random bytes. */
function mutate(r: Rand, buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  switch (r.int(4)) {
    case 0:
      return out.subarray(0, r.int(out.length + 1));
    case 1:
      for (let i = 1 + r.int(4); i > 0; i--) {
        const k = r.int(out.length);
        out[k] = (out[k] as number) ^ (1 << r.int(8));
      }
      return out;
    case 2:
      for (let i = 1 + r.int(4); i > 0; i--) out[r.int(out.length)] = r.int(256);
      return out;
    default: {
      const at = r.int(out.length);
      const junk = Buffer.alloc(r.int(40));
      for (let i = 0; i < junk.length; i++) junk[i] = r.int(256);
      return Buffer.concat([out.subarray(0, at), junk, out.subarray(at)]);
    }
  }
}

function checkShape(got: ReturnType<typeof decodeReply>, input: Buffer): void {
  if (got === undefined) return;
  const where = input.toString('hex');
  assert.equal(typeof got.rcode, 'string', where);
  assert.equal(typeof got.truncated, 'boolean', where);
  assert.equal(typeof got.authenticated, 'boolean', where);
  assert.ok(Array.isArray(got.answers) && Array.isArray(got.authorities), where);
}

// dns-packet spends about 1 ms on a random datagram (its header claims thousands of
// records), so the random-bytes cases are few; the mutated ones reach deeper.
test('decodeReply never throws on random bytes, and accepts none of them as an answer to us by chance', () => {
  const r = prng(0xd15ea5e);
  let accepted = 0;
  for (let i = 0; i < 600; i++) {
    const buf = Buffer.alloc(r.int(600));
    for (let j = 0; j < buf.length; j++) buf[j] = r.int(256);
    const got = decodeReply(buf, Q);
    checkShape(got, buf);
    if (got) accepted++;
  }
  // The id, QR bit, opcode, question count, type, class and name must all match (RFC 5452 §9.1).
  assert.equal(accepted, 0);
});

test('decodeReply never throws on mutated replies; what it accepts carries our id and question', () => {
  const r = prng(0xfeedbeef);
  let accepted = 0;
  for (let i = 0; i < 3_000; i++) {
    const buf = mutate(r, validReply(r));
    const got = decodeReply(buf, Q);
    checkShape(got, buf);
    if (!got) continue;
    accepted++;
    assert.equal(buf.readUInt16BE(0), Q.id, 'only a reply with our id is believed');
  }
  // Many single-bit flips land in the answers' data: a fair share must still decode.
  assert.ok(accepted > 150, `only ${accepted} mutated replies decoded`);
});

test('unmutated replies decode with their answers intact (the fuzz is not fuzzing a decoder that refuses everything)', () => {
  const r = prng(7);
  for (let i = 0; i < 300; i++) {
    const buf = validReply(r);
    const got = decodeReply(buf, Q);
    assert.ok(got, buf.toString('hex'));
    assert.equal(got.answers.length, packet.decode(buf).answers?.length);
  }
});
