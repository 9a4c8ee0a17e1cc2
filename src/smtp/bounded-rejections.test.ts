import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Replies } from '../core/index.js';
import type { RejectedEvent } from '../events/index.js';
import { fakeClock } from '../../test/helpers/defence-deps.js';
import { boundedRejections, CONNECT_REJECTIONS } from './bounded-rejections.js';
import { MemoryRateCounters } from './policy/rate-counters.js';

const rejected = (stage: RejectedEvent['stage'], clientIp: string): RejectedEvent => ({ type: 'rejected', at: 0, stage, clientIp, reply: Replies.talkedTooSoon() });

test('refused connections are recorded up to a bound per client per minute and in all per second; later stages always', () => {
  const clock = fakeClock();
  const kept: RejectedEvent[] = [];
  const record = boundedRejections((e) => kept.push(e), new MemoryRateCounters(clock));
  for (let i = 0; i < 50; i++) record(rejected('connect', '192.0.2.1'));
  assert.equal(kept.length, CONNECT_REJECTIONS.perClientPerMinute);
  for (let i = 0; i < 50; i++) record(rejected('rcpt', '192.0.2.1'));
  assert.equal(kept.length, CONNECT_REJECTIONS.perClientPerMinute + 50, 'RCPT refusals are all kept');
  clock.advance(2 * 60_000);
  kept.length = 0;
  // A botnet: one refused connection from each of 1000 addresses within a second.
  for (let i = 0; i < 1000; i++) record(rejected('connect', `198.51.${i >> 8}.${i & 255}`));
  assert.equal(kept.length, CONNECT_REJECTIONS.perSecond);
});
