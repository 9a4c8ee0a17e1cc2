import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { makeReply } from '../core/index.js';
import { OutboxProjector, type ProjectionTarget } from './outbox-projector.js';
import type { BatonEvent, StoredEvent } from './types.js';

const event = (id: number): StoredEvent => ({ id, event: { type: 'rejected', at: id, stage: 'mail', reply: makeReply(550, '5.7.1', 'x'), clientIp: '192.0.2.1' } as BatonEvent });
const outbox = (n: number) => {
  const rows = Array.from({ length: n }, (_, i) => event(i + 1));
  return { readEvents: async (after: number, limit: number) => rows.filter((r) => r.id > after).slice(0, limit) };
};

class Moved extends Error {
  constructor(readonly to: number) {
    super(`moved to ${to}`);
  }
}

/** A target in memory: the ids it took, in order; `fail` decides per call whether apply throws instead. */
function target(fail: (from: number, call: number) => Error | undefined = () => undefined) {
  const state = { cursor: 0, taken: [] as number[], calls: 0 };
  const t: ProjectionTarget = {
    cursor: async () => state.cursor,
    apply: async (from, to, events) => {
      const err = fail(from, ++state.calls);
      if (err) {
        if (err instanceof Moved) state.cursor = err.to;
        throw err;
      }
      assert.equal(from, state.cursor);
      state.taken.push(...events.map((e) => e.id));
      state.cursor = to;
    },
    movedTo: (err) => (err instanceof Moved ? err.to : undefined),
  };
  return { t, state };
}

function logs() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino(new Writable({ write: (c: Buffer, _e, cb) => (lines.push(JSON.parse(c.toString()) as { level: number; msg: string }), cb()) }));
  return { logger, lines };
}

test('catches up in batches, each with its cursor, and takes every event once', async () => {
  const { t, state } = target();
  const p = new OutboxProjector({ name: 'a test projection', events: outbox(7), target: t, logger: logs().logger, batch: 3 });
  await p.catchUp();
  assert.deepEqual(state.taken, [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(state.calls, 3);
  await p.catchUp();
  assert.equal(state.calls, 3, 'nothing new: no commit');
});

test('a moved cursor (another projector won the race) is taken up from where it now is; nothing is taken twice', async () => {
  // The second commit finds the cursor moved to 5 by "another process".
  const { t, state } = target((from, call) => (call === 2 ? new Moved(5) : undefined));
  const p = new OutboxProjector({ name: 'a test projection', events: outbox(7), target: t, logger: logs().logger, batch: 3 });
  await p.catchUp();
  assert.deepEqual(state.taken, [1, 2, 3, 6, 7]);
  assert.equal(state.cursor, 7);
});

test('any other failure is logged with the projection\'s name, and the next run retries from the stored cursor', async () => {
  const { t, state } = target((_from, call) => (call === 1 ? new Error('SQLITE_BUSY: database is locked') : undefined));
  const { logger, lines } = logs();
  const p = new OutboxProjector({ name: 'a test projection', events: outbox(2), target: t, logger });
  await p.catchUp();
  assert.deepEqual(state.taken, []);
  assert.deepEqual(lines.map((l) => [l.level, l.msg]), [[50, 'projecting events into a test projection failed; retrying at the next poll']]);
  await p.catchUp();
  assert.deepEqual(state.taken, [1, 2]);
});

test('housekeeping runs at start; its failure is logged and does not stop the projection', async () => {
  const { t, state } = target();
  const { logger, lines } = logs();
  let runs = 0;
  const p = new OutboxProjector({
    name: 'a test projection',
    events: outbox(1),
    target: t,
    logger,
    pollMs: 3_600_000,
    maintenance: {
      everyMs: 3_600_000,
      run: async () => {
        runs += 1;
        throw new Error('disk full');
      },
    },
  });
  p.start();
  await p.catchUp();
  await p.stop();
  assert.equal(runs, 1);
  assert.deepEqual(state.taken, [1]);
  assert.ok(lines.some((l) => l.level === 50 && l.msg === 'housekeeping of a test projection failed'));
});
