#!/usr/bin/env node
// Segment preview (count + a sample of 10) on 100,000 contacts with attributes,
// list memberships and delivery activity, on SQLite and PostgreSQL (issue 15:
// "fast on 100,000 contacts, indexes, measured"). Run after `npx tsc -p .`:
//   node bench/segments-preview.mjs [contacts]
// PostgreSQL: BATON_TEST_PG_URL or postgres://postgres@127.0.0.1:5432/test, in a fresh schema dropped at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPgDatabase } from '../dist/src/postgres/index.js';
import { openPgSegmentStore, openSqliteSegmentStore } from '../dist/src/campaigns/segments/index.js';
import { seedPgContacts, seedSqliteContacts } from '../dist/src/campaigns/segments/contact-seed.js';

const N = Number(process.argv[2] ?? 100_000);
const NOW = Date.UTC(2027, 0, 15, 12);
const DAY = 86_400_000;
const PLANS = ['free', 'pro', 'team', 'enterprise'];
const CITIES = ['Lyon', 'Paris', 'Berlin', 'Lisbon', 'Oslo', 'Madrid', 'Rome', 'Vienna'];
const EVENTS = ['delivered', 'bounced', 'opened', 'clicked', 'unsubscribed', 'complained'];

let s = 42;
const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (xs) => xs[Math.floor(rnd() * xs.length)];

const contacts = [];
const members = [];
const activity = [];
for (let i = 1; i <= N; i++) {
  const address = `user${i}@d${i % 97}.test`;
  contacts.push({ id: i, address, attributes: { first_name: `N${i}`, plan: pick(PLANS), age: 18 + Math.floor(rnd() * 60), city: pick(CITIES), tags: [pick(['vip', 'early', 'beta', 'churn']), pick(['a', 'b', 'c'])], score: rnd() * 100 } });
  for (const list of [1, 2, 3]) if (rnd() < 0.4) members.push({ list, contact: i, status: rnd() < 0.85 ? 'subscribed' : 'unsubscribed' });
  for (const event of EVENTS) if (rnd() < (event === 'delivered' ? 0.8 : 0.15)) activity.push({ address, event, lastAt: NOW - Math.floor(rnd() * 90) * DAY });
}
const seed = { lists: [1, 2, 3].map((id) => ({ id, name: `list${id}` })), contacts, members, activity };

const FILTERS = {
  'attr eq (plan = pro)': { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] },
  'attr gt number (age > 60)': { all: [{ attr: 'age', op: 'gt', value: 60 }] },
  'attr contains array (tags ∋ vip)': { all: [{ attr: 'tags', op: 'contains', value: 'vip' }] },
  'list member (list 2)': { all: [{ list: 2 }] },
  'event since (opened 30d)': { all: [{ event: 'opened', since: '30d' }] },
  'rare: eq and list and event': { all: [{ attr: 'plan', op: 'eq', value: 'enterprise' }, { attr: 'city', op: 'eq', value: 'Oslo' }, { list: 3 }, { event: 'clicked', since: '7d' }] },
  'mixed any/not': { any: [{ all: [{ list: 1 }, { not: { event: 'bounced', since: '30d' } }] }, { attr: 'score', op: 'gt', value: 99 }] },
  'everyone': { all: [] },
};

async function measure(name, store) {
  const rows = [];
  for (const [label, filter] of Object.entries(FILTERS)) {
    const times = [];
    let count = 0;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      count = (await store.preview(filter, 10, NOW)).count;
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    rows.push(`| ${name} | ${label} | ${count} | ${times[2].toFixed(1)} | ${times[4].toFixed(1)} |`);
  }
  return rows;
}

const out = ['| backend | filter | count | median ms | max ms |', '|---|---|---|---|---|'];
const dir = mkdtempSync(join(tmpdir(), 'baton-segbench-'));
try {
  const path = join(dir, 'q.db');
  const lite = openSqliteSegmentStore({ path });
  let t = performance.now();
  seedSqliteContacts(path, seed);
  console.error(`sqlite: seeded ${N} contacts, ${members.length} memberships, ${activity.length} activity rows in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  out.push(...(await measure('SQLite', lite)));
  await lite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const url = process.env.BATON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `segbench_${process.pid}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
try {
  const db = openPgDatabase({ url, schema, poolSize: 2 });
  const store = await openPgSegmentStore({ db });
  const t = performance.now();
  await seedPgContacts(db, seed);
  console.error(`postgres: seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  out.push(...(await measure('PostgreSQL', store)));
  await db.close();
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
console.log(out.join('\n'));
