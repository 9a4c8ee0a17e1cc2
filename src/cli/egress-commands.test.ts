import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../test/helpers/run-cli.js';
import { parseConfig } from '../config/index.js';
import type { EventStore } from '../events/index.js';
import type { EgressStatus } from '../delivery/egress/egress-status.js';
import { openSqliteWarmupCounters } from '../delivery/egress/sqlite-warmup-store.js';
import { registerEgressCommands } from './egress-commands.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-egress-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, 'queue.db');
const NOW = Date.parse('2025-01-03T10:00:00Z');

/** One `shaped` event: google slowed to 5 per second (what the adaptive back-off writes). */
const events = {
  recent: async () => [{ event: { type: 'shaped', at: NOW - 60_000, scope: 'provider:google', action: 'slowed', rate: 5 } }],
} as unknown as EventStore;

function baton(raw: Record<string, unknown>, ...args: string[]) {
  const config = parseConfig({ queue: { path }, ...raw }, dir);
  return runCli(
    (program, out) =>
      registerEgressCommands(program, {
        open: async () => {
          const warmup = openSqliteWarmupCounters({ path });
          return { config, warmup, events, close: () => warmup.close() };
        },
        clock: { now: () => NOW },
        out,
      }),
    args,
  );
}

const egress = {
  sources: [
    { name: 'out1', address: '192.0.2.10', ehlo: 'out1.example.com' },
    { name: 'out2', address: '192.0.2.11', ehlo: 'out2.example.com', warmup: { start: '2025-01-01' } },
    { name: 'out3', address: '192.0.2.12', ehlo: 'out3.example.com', warmup: { start: '2025-02-01', schedule: { other: [10] } } },
  ],
  pools: [{ name: 'main', sources: ['out1', 'out2'] }],
};

test('baton egress status --json: warm-up day, allowance, taken and state per provider of each source', async () => {
  const counters = openSqliteWarmupCounters({ path });
  await counters.take('2025-01-03', 'out2', 'google', 1000, 1000);
  await counters.take('2025-01-03', 'out2', 'microsoft', 120, 500);
  await counters.take('2025-01-02', 'out2', 'yahoo', 5, 500); // yesterday: not shown
  await counters.close();
  const r = await baton({ egress }, 'egress', 'status', '--json');
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out) as EgressStatus;
  assert.equal(s.day, '2025-01-03');
  const [out1, out2, out3] = s.sources;
  assert.deepEqual(out1?.warmup, null);
  assert.deepEqual(out2?.warmup, { start: '2025-01-01', schedule: 'standard', day: 3, days: 29 });
  assert.deepEqual(out2?.pools, ['main']);
  const by = (name: string) => out2?.providers.find((p) => p.provider === name);
  assert.deepEqual(by('google'), { provider: 'google', allowance: 1000, reserved: 1000, state: 'spent', shaping: 'slowed to 300/min' });
  assert.deepEqual(by('microsoft'), { provider: 'microsoft', allowance: 500, reserved: 120, state: 'sending', shaping: 'as configured' });
  assert.deepEqual(by('yahoo'), { provider: 'yahoo', allowance: 500, reserved: 0, state: 'sending', shaping: 'as configured' });
  assert.equal(out2?.providers.at(-1)?.provider, 'other', '"other" last');
  assert.deepEqual(out3?.providers, [{ provider: 'other', allowance: 0, reserved: 0, state: 'not-started', shaping: null }]);
});

test('baton egress status as text, and with no sources', async () => {
  const r = await baton({ egress }, 'egress', 'status');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /source out2 {2}192\.0\.2\.11 {2}ehlo out2\.example\.com {2}pools main {2}warm-up day 3 of 29 \(standard, from 2025-01-01\)/);
  assert.match(r.out, /google\s+1000\s+1000\s+spent\s+slowed to 300\/min/);
  const none = await baton({}, 'egress', 'status');
  assert.match(none.out, /no egress sources configured/);
});
