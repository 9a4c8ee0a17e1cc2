import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RETRY_POLICY, nextAttemptDelay } from './schedule.js';

const fixed = (v: number) => ({ next: () => v });
const noJitter = { ...DEFAULT_RETRY_POLICY, jitter: 0 };

test('without jitter the delay starts at first and doubles up to max', () => {
  const delays = [1, 2, 3, 4, 5, 6].map((a) => nextAttemptDelay(a, noJitter, fixed(0.9)));
  assert.deepEqual(delays, [300_000, 600_000, 1_200_000, 2_400_000, 3_600_000, 3_600_000]);
});

test('zero, negative or fractional attempt counts are treated as the first retry', () => {
  assert.equal(nextAttemptDelay(0, noJitter, fixed(0.5)), 300_000);
  assert.equal(nextAttemptDelay(-3, noJitter, fixed(0.5)), 300_000);
  assert.equal(nextAttemptDelay(2.7, noJitter, fixed(0.5)), 600_000);
});

test('jitter spreads the delay by the configured fraction either way', () => {
  assert.equal(nextAttemptDelay(1, DEFAULT_RETRY_POLICY, fixed(0)), 240_000);
  assert.equal(nextAttemptDelay(1, DEFAULT_RETRY_POLICY, fixed(0.5)), 300_000);
  assert.equal(nextAttemptDelay(1, DEFAULT_RETRY_POLICY, fixed(0.999999)), 360_000);
});

test('the delay never exceeds max, even with jitter and huge attempt counts', () => {
  for (const r of [0, 0.25, 0.5, 0.75, 0.99]) {
    for (const a of [5, 6, 50, 5000]) {
      const d = nextAttemptDelay(a, DEFAULT_RETRY_POLICY, fixed(r));
      assert.ok(d <= 3_600_000 && d >= 3_600_000 * 0.8, `attempt ${a}, random ${r}: ${d}`);
    }
  }
});

test('a multiplier of 1 gives a constant delay', () => {
  const p = { first: 1_000, max: 10_000, multiplier: 1, jitter: 0 };
  assert.deepEqual([1, 2, 10].map((a) => nextAttemptDelay(a, p, fixed(0.3))), [1_000, 1_000, 1_000]);
});

test('delays with real randomness stay within the jitter band around the base', () => {
  for (let i = 0; i < 1_000; i++) {
    const d = nextAttemptDelay(2, DEFAULT_RETRY_POLICY, { next: Math.random });
    assert.ok(d >= 480_000 && d <= 720_000, String(d));
  }
});
