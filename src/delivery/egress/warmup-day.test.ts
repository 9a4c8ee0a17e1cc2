import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SHIPPED_SCHEDULES } from './ramps.js';
import { allowanceOn, nextUtcDay, rampOf, utcDay, warmupDayNumber } from './warmup-day.js';

test('warm-up days are UTC days: day 1 is the start day from its first to its last millisecond', () => {
  assert.equal(warmupDayNumber('2025-03-01', Date.parse('2025-03-01T00:00:00Z')), 1);
  assert.equal(warmupDayNumber('2025-03-01', Date.parse('2025-03-01T23:59:59.999Z')), 1);
  assert.equal(warmupDayNumber('2025-03-01', Date.parse('2025-03-02T00:00:00Z')), 2);
  assert.equal(warmupDayNumber('2025-03-01', Date.parse('2025-02-28T23:59:59Z')), 0);
  assert.equal(utcDay(Date.parse('2025-03-01T23:59:59Z')), '2025-03-01');
  assert.equal(nextUtcDay(Date.parse('2025-03-01T13:00:00Z')), Date.parse('2025-03-02T00:00:00Z'));
});

test('the shipped standard ramp: the published per-IP table for google, half of it for microsoft and yahoo, warm after day 29', () => {
  const ramp = rampOf('standard');
  assert.equal(allowanceOn(ramp, 'google', 1), 200);
  assert.equal(allowanceOn(ramp, 'microsoft', 1), 100);
  assert.equal(allowanceOn(ramp, 'yahoo', 7), 10_000);
  assert.equal(allowanceOn(ramp, 'some-new-provider', 3), 1_000, 'a provider without its own ramp follows "other"');
  assert.equal(allowanceOn(ramp, 'google', 29), 10_000_000);
  assert.equal(allowanceOn(ramp, 'google', 30), undefined, 'warm: no limit');
  assert.equal(allowanceOn(ramp, 'google', 0), 0, 'before the start: nothing');
  for (const [name, r] of Object.entries(SHIPPED_SCHEDULES)) {
    assert.ok(r.other, `${name} has "other"`);
    for (const days of Object.values(r)) for (let i = 1; i < days.length; i++) assert.ok((days[i] as number) >= (days[i - 1] as number), `${name} never steps down`);
  }
});

test('the slow ramp takes each step for two days; an explicit ramp is used as it is', () => {
  assert.deepEqual([1, 2, 3, 4].map((d) => allowanceOn(rampOf('slow'), 'google', d)), [200, 200, 500, 500]);
  assert.equal(allowanceOn(rampOf({ other: [5, 6] }), 'google', 2), 6);
  assert.throws(() => rampOf('fast'), /unknown warm-up schedule "fast"/);
});
