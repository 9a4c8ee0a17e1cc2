#!/usr/bin/env node
// Cost of suppression at intake (SuppressionGate.screen: one store lookup per
// message) on the real SQLite store, with an empty table and with a large one,
// for messages of 1 and 10 recipients none of which is suppressed (the common
// case on the hot path). Prints microseconds per message.
//   npm run build && node bench/suppression-gate.mjs [--calls N] [--rows N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SuppressionGate } from '../dist/src/intake/index.js';
import { openSqliteSuppressionStore } from '../dist/src/suppression/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const calls = arg('calls', 50_000);
const rows = arg('rows', 100_000);
const now = Date.now();
const dir = mkdtempSync(join(tmpdir(), 'baton-gate-bench-'));
const origin = { kind: 'smtp', clientIp: '127.0.0.1' };
const rcpts = (n, i) => Array.from({ length: n }, (_, k) => ({ address: { local: `user${i}-${k}`, domain: 'remote.test' } }));

async function measure(label, gate, n) {
  const mailFrom = { local: 'news', domain: 'brand.test' };
  for (let i = 0; i < 2000; i++) await gate.screen({ queueId: 'Q', mailFrom, recipients: rcpts(n, i), origin, now });
  const inputs = Array.from({ length: calls }, (_, i) => rcpts(n, i));
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) await gate.screen({ queueId: 'Q', mailFrom, recipients: inputs[i], origin, now });
  const us = ((performance.now() - t0) * 1000) / calls;
  console.log(`${label.padEnd(40)} ${n.toString().padStart(2)} rcpt  ${us.toFixed(2)} µs/message`);
}

try {
  const store = openSqliteSuppressionStore({ path: join(dir, 'queue.db') });
  const gate = new SuppressionGate(store, { append: async () => {} });
  await measure('empty table', gate, 1);
  await measure('empty table', gate, 10);
  const batch = [];
  for (let i = 0; i < rows; i++) batch.push({ address: `listed${i}@remote.test`, reason: 'unsubscribe', ...(i % 3 === 0 ? { domain: 'brand.test' } : {}), createdAt: now });
  await store.add(batch);
  await measure(`${rows} rows, no recipient listed`, gate, 1);
  await measure(`${rows} rows, no recipient listed`, gate, 10);
  await store.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
