import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionGate } from './connection-gate.js';

const LONG = 60_000;

test('under the cap connections go at once; past it they wait, oldest first, and go as sessions leave', () => {
  const gate = new ConnectionGate({ max: 2, queue: 3, queueTimeoutMs: LONG });
  const log: string[] = [];
  const enter = (name: string) => gate.enter(() => log.push(`admit ${name}`), () => log.push(`refuse ${name}`));
  assert.equal(enter('a').kind, 'go');
  assert.equal(enter('b').kind, 'go');
  assert.equal(enter('c').kind, 'wait');
  assert.equal(enter('d').kind, 'wait');
  assert.deepEqual(gate.counts(), { active: 2, waiting: 2 });
  gate.leave();
  assert.deepEqual(log, ['admit c']);
  gate.leave();
  assert.deepEqual(log, ['admit c', 'admit d']);
  assert.deepEqual(gate.counts(), { active: 2, waiting: 0 });
  gate.leave();
  assert.equal(enter('e').kind, 'go', 'a free slot and nobody waiting: straight in');
});

test('a newcomer never jumps the queue, the room is bounded, and a client that leaves while waiting gives up its place', () => {
  const gate = new ConnectionGate({ max: 1, queue: 2, queueTimeoutMs: LONG });
  const log: string[] = [];
  const enter = (name: string) => gate.enter(() => log.push(`admit ${name}`), () => log.push(`refuse ${name}`));
  enter('a');
  const b = enter('b');
  enter('c');
  assert.equal(enter('d').kind, 'full');
  assert.ok(b.kind === 'wait');
  b.cancel();
  assert.equal(enter('e').kind, 'wait', "b's place in the room is free again");
  gate.leave();
  assert.deepEqual(log, ['admit c'], 'b left; c is next');
  gate.refuseWaiting();
  assert.deepEqual(log, ['admit c', 'refuse e'], 'stopping refuses everyone still waiting');
  assert.deepEqual(gate.counts(), { active: 1, waiting: 0 });
});

test('a connection waiting past the timeout is refused and leaves the room', async () => {
  const gate = new ConnectionGate({ max: 1, queue: 5, queueTimeoutMs: 20 });
  gate.enter(() => undefined, () => undefined);
  const refused = new Promise<string>((resolve) => gate.enter(() => resolve('admitted'), () => resolve('refused')));
  // The timer is unref'd; keep the test process alive until it fires.
  const keepAlive = setTimeout(() => undefined, 5_000);
  assert.equal(await refused, 'refused');
  clearTimeout(keepAlive);
  assert.deepEqual(gate.counts(), { active: 1, waiting: 0 });
});
