import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addCounts, BASELINE_WEIGHT, DAY_MS, emptyCounts, HOUR_MS, rollTo, startOfDay, startOfHour } from './windows.js';

const T = Date.UTC(2027, 2, 10, 22, 0); // 22:00 UTC

test('windows are aligned to the UTC hour and day', () => {
  const t = T + 59 * 60_000 + 59_999;
  assert.equal(startOfHour(t), T);
  assert.equal(startOfHour(T + HOUR_MS), T + HOUR_MS);
  assert.equal(startOfDay(t), Date.UTC(2027, 2, 10));
  assert.equal(startOfDay(Date.UTC(2027, 2, 11)), Date.UTC(2027, 2, 11));
});

test('a message counts in the hour and the day; crossing midnight empties both', () => {
  let c = addCounts(emptyCounts(T), { messages: 1, recipients: 4 }, T + 5);
  c = addCounts(c, { messages: 1, recipients: 1 }, T + HOUR_MS + 5); // 23:00, same day
  assert.deepEqual([c.hourMessages, c.hourRecipients, c.dayMessages, c.dayRecipients], [1, 1, 2, 5]);
  c = addCounts(c, { messages: 1, recipients: 2, bounces: 1 }, T + 2 * HOUR_MS); // 00:00 next day
  assert.deepEqual([c.hourMessages, c.dayMessages, c.dayRecipients, c.dayBounces], [1, 1, 2, 1]);
  assert.equal(c.dayStart, Date.UTC(2027, 2, 11));
});

test('the baseline is a decaying average of completed hours: the ended hour weighs 1/24, each idle hour decays it', () => {
  let c = addCounts(emptyCounts(T), { messages: 48 }, T);
  c = rollTo(c, T + HOUR_MS);
  assert.equal(c.baseline, 48 * BASELINE_WEIGHT); // 2
  c = addCounts(c, { messages: 26 }, T + HOUR_MS);
  c = rollTo(c, T + 4 * HOUR_MS); // the hour with 26, then two idle hours
  const expected = (2 + BASELINE_WEIGHT * (26 - 2)) * (1 - BASELINE_WEIGHT) ** 2;
  assert.ok(Math.abs(c.baseline - expected) < 1e-12, `${c.baseline} vs ${expected}`);
});

test('a steady sender converges to its hourly rate; a long silence decays to zero', () => {
  let c = emptyCounts(T);
  for (let h = 0; h < 24 * 14; h++) c = addCounts(c, { messages: 100 }, T + h * HOUR_MS);
  c = rollTo(c, T + 24 * 14 * HOUR_MS);
  assert.ok(c.baseline > 99 && c.baseline <= 100, String(c.baseline));
  assert.equal(rollTo(c, T + 400 * DAY_MS).baseline, 0);
});

test('a clock stepped back leaves the windows as they are', () => {
  const c = addCounts(emptyCounts(T), { messages: 3 }, T + 10);
  assert.equal(rollTo(c, T - HOUR_MS), c);
  assert.equal(addCounts(c, { messages: 1 }, T - HOUR_MS).hourMessages, 4);
});
