#!/usr/bin/env node
// The message index (src/message-index) at size: project N messages (default
// 100,000; 1-3 recipients each, seeded) into the real SQLite index, then time
// each search filter: the first page of 50 and the page after it (by cursor),
// median and worst of 20 runs. Also prints the projection rate.
//   npm run build && node bench/message-index-search.mjs [--messages N] [--runs N]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteMessageIndex } from '../dist/src/message-index/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const total = arg('messages', 100_000);
const runs = arg('runs', 20);
const T = 1_800_000_000_000;

// A fixed-seed generator (mulberry32): the same data set on every run.
let seed = 20261130;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (n) => Math.floor(rand() * n);
const recipientDomain = () => {
  const r = rand();
  return r < 0.5 ? 'gmail.test' : r < 0.7 ? 'yahoo.test' : `small${pick(500)}.test`;
};
const finalState = () => {
  const r = rand();
  return r < 0.9 ? 'delivered' : r < 0.95 ? 'deferred' : r < 0.98 ? 'bounced' : r < 0.99 ? 'expired' : 'queued';
};
const tagsFor = () => {
  const r = rand();
  return r < 0.3 ? ['newsletter'] : r < 0.35 ? ['receipt'] : r < 0.36 ? ['rare'] : [];
};

const dir = mkdtempSync(join(tmpdir(), 'baton-index-bench-'));
const path = join(dir, 'queue.db');
try {
  const index = openSqliteMessageIndex({ path });
  let cursor = 0;
  const t0 = performance.now();
  const BATCH = 500;
  let events = 0;
  for (let i = 0; i < total; i += BATCH) {
    const changes = [];
    for (let k = i; k < Math.min(total, i + BATCH); k++) {
      const queueId = `Q${String(k).padStart(12, '0')}`;
      const at = T + k * 1000;
      const recipients = Array.from({ length: 1 + pick(3) }, () => `user${pick(50_000)}@${recipientDomain()}`);
      changes.push({
        kind: 'message',
        message: { queueId, receivedAt: at, sender: `sender${pick(1000)}@brand${pick(20)}.test`, subject: `Message ${k}`, size: 2000 + pick(50_000), originKind: 'smtp', tags: tagsFor(), metadata: {} },
        recipients,
      });
      for (const address of new Set(recipients)) {
        const state = finalState();
        if (state !== 'queued') changes.push({ kind: 'recipient', queueId, address, state, at: at + 500, attempt: 1, lastReply: '250 2.0.0 Ok', remoteMta: 'mx.test' });
      }
      events += 1 + recipients.length;
    }
    await index.apply(cursor, cursor + 1, changes);
    cursor += 1;
  }
  const ms = performance.now() - t0;
  console.log(`projected ${total} messages (${events} events) in ${(ms / 1000).toFixed(1)} s: ${Math.round((events / ms) * 1000)} events/s; database + WAL ${((statSync(path).size + statSync(`${path}-wal`).size) / 1e6).toFixed(0)} MB`);

  const queries = [
    ['no filter', {}],
    ['sender (1 of 1,000)', { sender: 'sender7@brand3.test' }],
    ['senderDomain (1 of 20)', { senderDomain: 'brand3.test' }],
    ['recipient (1 of 50,000)', { recipient: 'user123@gmail.test' }],
    ['domain gmail (half)', { domain: 'gmail.test' }],
    ['domain small (1 of 500)', { domain: 'small42.test' }],
    ['state delivered (90%)', { state: 'delivered' }],
    ['state bounced (3%)', { state: 'bounced' }],
    ['state queued (1%)', { state: 'queued' }],
    ['tag newsletter (30%)', { tag: 'newsletter' }],
    ['tag rare (1%)', { tag: 'rare' }],
    ['time range (last 10%)', { since: T + total * 900 }],
    ['domain gmail + state bounced', { domain: 'gmail.test', state: 'bounced' }],
    ['domain small + tag newsletter', { domain: 'small42.test', tag: 'newsletter' }],
    ['nothing matches', { recipient: 'nobody@nowhere.test' }],
  ];
  console.log(`\n${'search (limit 50)'.padEnd(34)} ${'page 1 median'.padStart(14)} ${'worst'.padStart(8)} ${'page 2 median'.padStart(14)}  hits on page 1`);
  for (const [label, q] of queries) {
    const first = [];
    const second = [];
    let hits = 0;
    for (let r = 0; r < runs; r++) {
      let t = performance.now();
      const page = await index.search({ ...q, limit: 50 });
      first.push(performance.now() - t);
      hits = page.messages.length;
      if (page.next) {
        t = performance.now();
        await index.search({ ...q, limit: 50, after: page.next });
        second.push(performance.now() - t);
      }
    }
    const med = (a) => (a.length ? [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)].toFixed(2) : '-');
    console.log(`${label.padEnd(34)} ${`${med(first)} ms`.padStart(14)} ${`${Math.max(...first).toFixed(1)}`.padStart(8)} ${`${med(second)} ms`.padStart(14)}  ${hits}`);
  }
  await index.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
