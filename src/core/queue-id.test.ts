import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isQueueId, newQueueId } from './queue-id.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function decodeTime(id: string): number {
  let t = 0;
  for (const c of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(c);
  return t;
}

test('queue ids are 20 Crockford base32 characters and pass isQueueId', () => {
  for (let i = 0; i < 200; i++) {
    const id = newQueueId({ now: () => 1_700_000_000_000 + i });
    assert.equal(id.length, 20);
    assert.match(id, /^[0-9A-HJKMNP-TV-Z]{20}$/);
    assert.ok(isQueueId(id), id);
  }
});

test('the first ten characters encode the clock, so ids sort by time', () => {
  const times = [0, 1, 31, 32, 1_000, 1_700_000_000_000, 1_700_000_000_001, 2 ** 50 - 1];
  const ids = times.map((t) => newQueueId({ now: () => t }));
  ids.forEach((id, i) => assert.equal(decodeTime(id), times[i]));
  assert.equal(ids[0]?.slice(0, 10), '0000000000');
  const sorted = [...ids].sort();
  assert.deepEqual(sorted.map(decodeTime), times);
});

test('ids made in the same millisecond differ (random tail)', () => {
  const clock = { now: () => 1_700_000_000_000 };
  const ids = new Set(Array.from({ length: 1000 }, () => newQueueId(clock)));
  assert.equal(ids.size, 1000);
});

test('isQueueId refuses the wrong length and letters outside the alphabet', () => {
  const good = newQueueId({ now: () => 1_700_000_000_000 }); // head has letters, so lower case differs
  for (const bad of ['', good.slice(1), `${good}0`, good.toLowerCase(), `I${good.slice(1)}`, `L${good.slice(1)}`, `O${good.slice(1)}`, `U${good.slice(1)}`, `${good.slice(0, 19)}-`]) {
    assert.equal(isQueueId(bad), false, bad);
  }
});
