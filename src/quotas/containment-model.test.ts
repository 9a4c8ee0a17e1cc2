import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfig } from '../config/index.js';
import { containmentTrigger } from './containment-model.js';
import { addCounts, emptyCounts, HOUR_MS, rollTo, type UserCounts } from './windows.js';

const cfg = parseConfig({ containment: { rateFactor: 10, minMessages: 50, bounceRate: 0.1, complaintRate: 0.01, minSample: 100 } }, '/tmp').containment;
const T = Date.UTC(2027, 0, 15, 0);

/** A user who sent `perHour` messages in each of `hours` hours, now at the start of the next one. */
function steady(perHour: number, hours: number): UserCounts {
  let c = emptyCounts(T);
  for (let h = 0; h < hours; h++) c = addCounts(c, { messages: perHour, recipients: perHour }, T + h * HOUR_MS);
  return rollTo(c, T + hours * HOUR_MS);
}

test('a new user is not contained below the floor, and is above it', () => {
  const fresh = emptyCounts(T);
  assert.equal(containmentTrigger(addCounts(fresh, { messages: 50 }, T), cfg, undefined), undefined);
  assert.equal(containmentTrigger(addCounts(fresh, { messages: 51 }, T), cfg, undefined)?.trigger, 'rate');
});

test('rate: a user is contained only far above its own baseline', () => {
  const usual = steady(20, 23); // baseline about 12.7/hour
  const now = usual.hourStart;
  assert.ok(usual.baseline > 12 && usual.baseline < 13, String(usual.baseline));
  assert.equal(containmentTrigger(addCounts(usual, { messages: 120 }, now), cfg, undefined), undefined, '120 < 10 x 12.7');
  const burst = containmentTrigger(addCounts(usual, { messages: 130 }, now), cfg, undefined);
  assert.equal(burst?.trigger, 'rate');
  assert.match(burst?.reason ?? '', /^130 messages this hour, over 10 x its baseline of 12\.\d\/hour/);
});

test('bounces and complaints: over their share of today\'s recipients, once there is a sample', () => {
  const sent = addCounts(emptyCounts(T), { messages: 99, recipients: 99, bounces: 50, complaints: 50 }, T);
  assert.equal(containmentTrigger({ ...sent, hourMessages: 0 }, cfg, undefined), undefined, 'under minSample');
  const sample = addCounts(emptyCounts(T), { recipients: 200 }, T);
  assert.equal(containmentTrigger(addCounts(sample, { bounces: 20 }, T), cfg, undefined), undefined, 'exactly 10% is not over');
  assert.equal(containmentTrigger(addCounts(sample, { bounces: 21 }, T), cfg, undefined)?.trigger, 'bounces');
  assert.equal(containmentTrigger(addCounts(sample, { complaints: 3 }, T), cfg, undefined)?.trigger, 'complaints');
});

test('an operator\'s lift forgives the hour (rate) and the day (bounces), not the next ones', () => {
  const burst = addCounts(emptyCounts(T), { messages: 500, recipients: 500, bounces: 100 }, T + 10);
  const lifted = T + 20;
  assert.equal(containmentTrigger(burst, cfg, lifted), undefined);
  const nextHour = addCounts(burst, { messages: 500, recipients: 500 }, T + HOUR_MS);
  assert.equal(containmentTrigger(nextHour, cfg, lifted)?.trigger, 'rate');
});
