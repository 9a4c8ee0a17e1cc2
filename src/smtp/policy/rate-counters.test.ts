import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientPrefix } from './client-prefix.js';
import { MemoryRateCounters } from './rate-counters.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const MINUTE = 60_000;

describe('MemoryRateCounters (sliding window over two buckets)', () => {
  test('counts hits per key within one window', () => {
    const clock = fakeClock(0);
    const c = new MemoryRateCounters(clock);
    assert.equal(c.hit('a', MINUTE), 1);
    assert.equal(c.hit('a', MINUTE), 2);
    assert.equal(c.hit('b', MINUTE), 1, 'keys are independent');
    assert.equal(c.hit('a', MINUTE, 3), 5, 'an amount counts as many events');
    assert.equal(c.peek('a', MINUTE), 5);
    assert.equal(c.peek('never', MINUTE), 0);
    assert.equal(c.peek('a', MINUTE), 5, 'peek does not count');
  });

  test('the previous window fades out linearly as the window slides, then is forgotten', () => {
    const clock = fakeClock(0);
    const c = new MemoryRateCounters(clock);
    for (let i = 0; i < 10; i++) c.hit('ip', MINUTE);
    clock.advance(MINUTE + MINUTE / 4); // a quarter into the next bucket: 3/4 of the old one still counts
    assert.equal(c.peek('ip', MINUTE), 7.5);
    assert.equal(c.hit('ip', MINUTE), 8.5);
    clock.advance(MINUTE / 2); // three quarters in
    assert.equal(c.peek('ip', MINUTE), 1 + 2.5);
    clock.advance(2 * MINUTE); // two windows later nothing is left
    assert.equal(c.peek('ip', MINUTE), 0);
    assert.equal(c.hit('ip', MINUTE), 1);
  });

  test('a steady rate under the limit never reads as over it', () => {
    // 1 event per second for 10 minutes against a 60-per-minute window: never more than 61.
    const clock = fakeClock(12_345);
    const c = new MemoryRateCounters(clock);
    let peak = 0;
    for (let i = 0; i < 600; i++) {
      peak = Math.max(peak, c.hit('steady', MINUTE));
      clock.advance(1000);
    }
    assert.ok(peak <= 61 && peak >= 59, `peak ${peak}`);
  });

  test('the key table is bounded: a flood of distinct keys evicts the least recently hit', () => {
    const clock = fakeClock();
    const c = new MemoryRateCounters(clock, 100);
    c.hit('busy', MINUTE);
    for (let i = 0; i < 10_000; i++) {
      c.hit(`flood-${i}`, MINUTE);
      if (i % 50 === 0) c.hit('busy', MINUTE); // kept recent, so never evicted
      assert.ok(c.size <= 100);
    }
    assert.equal(c.size, 100);
    assert.equal(c.peek('flood-0', MINUTE), 0, 'an old key was forgotten');
    assert.equal(c.peek('busy', MINUTE), 201, 'a recently hit key kept its count');
  });
});

describe('clientPrefix', () => {
  test('IPv4 /24, IPv6 /64, IPv4-mapped IPv6 as IPv4', () => {
    assert.equal(clientPrefix('192.0.2.77'), '192.0.2.0/24');
    assert.equal(clientPrefix('::ffff:198.51.100.9'), '198.51.100.0/24');
    assert.equal(clientPrefix('2001:db8:1:2:3:4:5:6'), '2001:db8:1:2::/64');
    assert.equal(clientPrefix('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(clientPrefix('2001:DB8:0001:0002::9'), '2001:db8:1:2::/64', 'one spelling per prefix');
    assert.equal(clientPrefix('::1'), '0:0:0:0::/64');
    assert.equal(clientPrefix('64:ff9b::192.0.2.1'), '64:ff9b:0:0::/64');
    assert.equal(clientPrefix('not an ip'), undefined);
  });
});
