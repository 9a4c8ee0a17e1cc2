import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openTestPgDatabase } from '../../../test/helpers/pg.js';
import { prng } from '../../../test/helpers/seeded-random.js';
import { seedPgContacts, seedSqliteContacts, type ContactSeed } from './contact-seed.js';
import { openPgSegmentStore } from './pg-segment-store.js';
import { ACTIVITY_EVENTS, segmentFilterSchema, sinceMs, type AttrValue, type Condition, type SegmentFilter } from './segment-filter.js';
import { openSqliteSegmentStore } from './sqlite-segment-store.js';

/**
 * Random filters full of hostile strings (quotes, SQL, JSON path syntax,
 * NUL-free control characters, non-ASCII) compiled and run on SQLite and
 * PostgreSQL over the same rows: both must give the ids a plain JavaScript
 * reading of the filter gives (so they agree with each other), and the tables
 * must be whole afterwards (nothing was injected).
 */
const dir = mkdtempSync(join(tmpdir(), 'baton-segdiff-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2027, 0, 15, 12);
const DAY = 86_400_000;
const HOSTILE = ["'", '"', "'; DROP TABLE contacts; --", '$."x"', '\\', '%', '_', 'Robert"); DELETE FROM segments; --', '$1', '?', ') OR 1=1 --', 'é', 'Ω', '𝄞', '\u0007', 'pro', 'Pro', 'a', '', ' ', 'x\ny'];
const ATTRS = ['plan', 'age', 'tags', 'city', "o'brien", 'a b', '$.x', 'Ω'];
const LISTS = [1, 2, 3];

function population(rand: ReturnType<typeof prng>): ContactSeed {
  const pick = <T>(xs: readonly T[]) => xs[rand.int(xs.length)] as T;
  const value = (): unknown => {
    switch (rand.int(6)) {
      case 0:
        return pick(HOSTILE);
      case 1:
        return rand.int(200) - 100;
      case 2:
        return Math.round(rand.next() * 1000) / 10;
      case 3:
        return rand.int(2) === 0;
      case 4:
        return Array.from({ length: rand.int(4) }, () => (rand.int(2) ? pick(HOSTILE) : rand.int(5)));
      default:
        return null;
    }
  };
  const contacts = Array.from({ length: 300 }, (_, i) => {
    const attributes: Record<string, unknown> = {};
    for (const a of ATTRS) if (rand.int(3) > 0) attributes[a] = value();
    return { id: i + 1, address: `c${i}@x${rand.int(3)}.test`, attributes };
  });
  const members = contacts.flatMap((c) => LISTS.filter(() => rand.int(2) === 0).map((list) => ({ list, contact: c.id, status: pick(['pending', 'subscribed', 'unsubscribed'] as const) })));
  const activity = contacts.flatMap((c) => ACTIVITY_EVENTS.filter(() => rand.int(3) === 0).map((event) => ({ address: c.address, event, lastAt: NOW - rand.int(60) * DAY })));
  return { lists: LISTS.map((id) => ({ id, name: `l${id}` })), contacts, members, activity };
}

function randomFilter(rand: ReturnType<typeof prng>, depth = 0): SegmentFilter {
  const pick = <T>(xs: readonly T[]) => xs[rand.int(xs.length)] as T;
  const val = (): AttrValue => pick<() => AttrValue>([() => pick(HOSTILE), () => rand.int(200) - 100, () => rand.next() * 100, () => rand.int(2) === 0])();
  const cond = (): Condition => {
    const k = rand.int(depth < 3 ? 7 : 5);
    if (k <= 1) {
      const op = pick(['eq', 'ne', 'lt', 'gt', 'contains', 'exists'] as const);
      let value = val();
      if ((op === 'lt' || op === 'gt') && typeof value === 'boolean') value = 5;
      return op === 'exists' ? { attr: pick([...ATTRS, ...HOSTILE.filter((h) => h !== '' && !/["\\\u0000-\u001f]/.test(h))]), op } : { attr: pick(ATTRS), op, value };
    }
    if (k === 2) return { list: pick([1, 2, 3, 4]) };
    if (k === 3) return { event: pick(ACTIVITY_EVENTS), since: pick(['1d', '30d', '2w', '36h', '90m']) };
    if (k === 4) return { not: cond() };
    return randomFilter(rand, depth + 1);
  };
  const items = Array.from({ length: rand.int(4) }, cond);
  return rand.int(2) === 0 ? { all: items } : { any: items };
}

/** The meaning of a filter, in JavaScript (docs/campaigns.md#segments). */
function matches(seed: ContactSeed, id: number, c: Condition): boolean {
  const contact = seed.contacts?.find((x) => x.id === id);
  if (!contact) return false;
  if ('all' in c) return c.all.every((x) => matches(seed, id, x));
  if ('any' in c) return c.any.some((x) => matches(seed, id, x));
  if ('not' in c) return !matches(seed, id, c.not);
  if ('list' in c) return (seed.members ?? []).some((m) => m.list === c.list && m.contact === id && m.status === 'subscribed');
  if ('event' in c) return (seed.activity ?? []).some((a) => a.address === contact.address && a.event === c.event && a.lastAt >= NOW - sinceMs(c.since));
  const has = Object.hasOwn(contact.attributes, c.attr);
  const a = contact.attributes[c.attr];
  const same = (x: unknown, v: unknown) => typeof x === typeof v && x === v;
  const bytes = (x: string, v: string) => Buffer.compare(Buffer.from(x), Buffer.from(v));
  switch (c.op) {
    case 'exists':
      return has;
    case 'eq':
      return same(a, c.value);
    case 'ne':
      return !same(a, c.value);
    case 'lt':
    case 'gt': {
      const sign = c.op === 'lt' ? -1 : 1;
      if (typeof c.value === 'number') return typeof a === 'number' && Math.sign(a - c.value) === sign;
      return typeof a === 'string' && typeof c.value === 'string' && bytes(a, c.value) === sign;
    }
    case 'contains':
      if (Array.isArray(a)) return a.some((x) => same(x, c.value));
      return typeof a === 'string' && typeof c.value === 'string' && a.includes(c.value);
  }
}

test('random filters with hostile strings: SQLite, PostgreSQL and the JavaScript reading select the same contacts; nothing is injected', async () => {
  const rand = prng(15);
  const seed = population(rand);
  const path = join(dir, 'diff.db');
  const lite = openSqliteSegmentStore({ path });
  const db = await openTestPgDatabase();
  const pg = await openPgSegmentStore({ db });
  try {
    seedSqliteContacts(path, seed);
    await seedPgContacts(db, seed);
    const all = (seed.contacts ?? []).map((c) => c.id);
    let nonEmpty = 0;
    let checked = 0;
    for (let i = 0; i < 400; i++) {
      const filter = randomFilter(rand);
      // A `not` chain may nest past the limit: such a filter never reaches the compiler.
      if (!segmentFilterSchema.safeParse(filter).success) continue;
      checked++;
      const want = all.filter((id) => matches(seed, id, filter));
      const [a, b] = await Promise.all([lite.preview(filter, 1000, NOW), pg.preview(filter, 1000, NOW)]);
      assert.deepEqual(a.sample.map((c) => c.id), want, `sqlite: ${JSON.stringify(filter)}`);
      assert.deepEqual(b.sample.map((c) => c.id), want, `postgres: ${JSON.stringify(filter)}`);
      assert.equal(a.count, want.length);
      assert.equal(b.count, want.length);
      if (want.length > 0 && want.length < all.length) nonEmpty++;
    }
    assert.ok(checked > 350, `most random filters are valid (${checked})`);
    assert.ok(nonEmpty > 100, `enough filters selected some but not all (${nonEmpty})`);
    assert.equal((await lite.preview({ all: [] }, 0, NOW)).count, all.length, 'the SQLite tables are whole');
    assert.equal((await pg.preview({ all: [] }, 0, NOW)).count, all.length, 'the PostgreSQL tables are whole');
  } finally {
    await pg.close();
    await db.close();
    await lite.close();
  }
});

test('the filter schema refuses deep nesting and too many conditions, naming the JSON path', () => {
  let deep: Condition = { attr: 'a', op: 'exists' };
  for (let i = 0; i < 9; i++) deep = { all: [deep] };
  const r = segmentFilterSchema.safeParse(deep);
  assert.ok(!r.success);
  assert.match(r.error.issues[0]?.message ?? '', /nested deeper than 8 levels/);
  assert.deepEqual(r.error.issues[0]?.path, ['all', 0, 'all', 0, 'all', 0, 'all', 0, 'all', 0, 'all', 0, 'all', 0, 'all', 0]);
  const many = segmentFilterSchema.safeParse({ any: Array.from({ length: 201 }, () => ({ list: 1 })) });
  assert.ok(!many.success);
  const bad = segmentFilterSchema.safeParse({ all: [{ list: 1 }, { any: [{ attr: 'x', op: 'eq' }] }] });
  assert.ok(!bad.success);
  assert.ok(bad.error.issues.some((i) => i.path.join('.') === 'all.1.any.0.value' || i.path.join('.').startsWith('all.1')), JSON.stringify(bad.error.issues));
  assert.ok(!segmentFilterSchema.safeParse({ all: [{ attr: 'a"b', op: 'exists' }] }).success, 'a quote in an attribute name');
  assert.ok(!segmentFilterSchema.safeParse({ all: [{ event: 'delivered', since: '30 days' }] }).success);
  assert.ok(!segmentFilterSchema.safeParse({ attr: 'a', op: 'exists' }).success, 'the top is a group');
});
