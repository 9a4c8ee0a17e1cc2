#!/usr/bin/env node
// Per-message cost of sending quotas and containment on the submission path
// (an authenticated user with limits), apart from the relay benchmark, whose
// clients are trusted and unauthenticated and skip them. Real SQLite counters
// in a temp file, the real checks, the real Containment fed through a real
// EventBus, and the once-a-second flush.
//   npm run build && node bench/quotas.mjs [--messages N] [--users U] [--rcpts R]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseConfig } from '../dist/src/config/index.js';
import { EventBus } from '../dist/src/events/index.js';
import { silentLogger } from '../dist/src/log/index.js';
import { Containment, openSqliteSendingCounters } from '../dist/src/quotas/index.js';
import { containmentCheck } from '../dist/src/smtp/policy/checks/containment-hold.js';
import { recipientQuotaCheck, sendingQuotaCheck } from '../dist/src/smtp/policy/checks/sending-quota.js';
import { openSqliteUserStore } from '../dist/src/users/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const messages = arg('messages', 200_000);
const userCount = arg('users', 100);
const rcpts = arg('rcpts', 1);

const dir = mkdtempSync(join(tmpdir(), 'baton-bench-quotas-'));
const path = join(dir, 'queue.db');
const clock = { now: () => Date.now() };
const counters = openSqliteSendingCounters({ path });
const users = await openSqliteUserStore({ path, clock });
const names = Array.from({ length: userCount }, (_, i) => `user${i}`);
for (const n of names) await users.addUser(n, 'pw', ['sender.test']);
const bus = new EventBus();
const appended = [];
const events = { eventsFor: async () => [], append: async (l) => void appended.push(...l) };
// Thresholds the bench never reaches: the cost measured is the normal path.
const config = parseConfig({ containment: { minMessages: 10_000_000 } }, '/tmp').containment;
const containment = new Containment({ counters, users, events, bus, clock, logger: silentLogger(), config });
containment.start();
const deps = { counters, clock, record: () => {} };
const mailCheck = sendingQuotaCheck(deps);
const rcptCheck = recipientQuotaCheck(deps);
const holdCheck = containmentCheck({ containedState: (u) => containment.containedState(u) });
const limits = { messagesPerHour: 1e9, messagesPerDay: 1e9, recipientsPerMessage: 1e6, recipientsPerDay: 1e9 };
const sessions = names.map((name) => ({ clientIp: '127.0.0.1', clientPort: 1, listener: { address: '127.0.0.1:587', role: 'submission', allowPlaintextAuth: false }, trusted: false, tls: true, user: { name, domains: ['sender.test'], settings: { limits } } }));
const recipient = { address: { local: 'r', domain: 'x.test' } };
const recipients = Array.from({ length: rcpts }, () => 'r@x.test');
// Warm the "not contained" cache (one users-store read per user, then every 10 s).
for (const s of sessions) await holdCheck.run({ session: s });

let flushes = 0;
let flushMs = 0;
const timer = setInterval(async () => {
  const t = performance.now();
  await counters.flush();
  flushMs += performance.now() - t;
  flushes++;
}, 1000);

const runOne = (i) => {
  const session = sessions[i % userCount];
  if (mailCheck.run({ session, sender: null, params: {} }).kind !== 'continue') throw new Error('refused');
  for (let r = 0; r < rcpts; r++) rcptCheck.run({ session, sender: null, params: {}, recipient, accepted: [] });
  const v = holdCheck.run({ session });
  if (v instanceof Promise) throw new Error('the hot path made a promise');
  bus.publish([{ type: 'accepted', queueId: 'Q', at: clock.now(), sender: '', recipients, size: 1, origin: { kind: 'smtp', user: session.user.name } }]);
};
for (let i = 0; i < 20_000; i++) runOne(i); // warm-up
let i = 0;
const started = performance.now();
// In slices, so the flush timer runs as it would between sessions.
while (i < messages) {
  const end = Math.min(messages, i + 5000);
  for (; i < end; i++) runOne(i);
  await new Promise((r) => setImmediate(r));
}
const ms = performance.now() - started;
clearInterval(timer);
const t = performance.now();
await counters.flush();
const lastFlush = performance.now() - t;
console.log(`${messages} messages of ${userCount} users, ${rcpts} recipient(s) each: ${((ms * 1000) / messages).toFixed(2)} µs per message (MAIL + RCPT + content checks + counting + containment judgement), ${(messages / (ms / 1000)).toFixed(0)} msgs/s on one core`);
console.log(`flush: ${flushes} periodic flushes, ${(flushes ? flushMs / flushes : 0).toFixed(2)} ms each on average; last flush of ${userCount} users ${lastFlush.toFixed(2)} ms`);
containment.stop();
await counters.close();
await users.close();
rmSync(dir, { recursive: true, force: true });
