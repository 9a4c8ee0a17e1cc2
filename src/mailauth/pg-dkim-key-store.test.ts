import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { openPgDatabase, schemaLevels } from '../postgres/index.js';
import { latestVersion } from '../sqlite/index.js';
import { dkimKeyStoreContract } from './dkim-key-store.contract.js';
import type { DkimKeyStore } from './dkim-key-store.js';
import { openPgDkimKeyStore, PG_DKIM_KEYS_SCHEMA } from './pg-dkim-key-store.js';

dkimKeyStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgDkimKeyStore({ db }), db);
});

const T = 1_800_000_000_000;

async function twoNodes(fn: (a: DkimKeyStore, b: DkimKeyStore) => Promise<void>): Promise<void> {
  const dbA = await openTestPgDatabase({ poolSize: 4 });
  const dbB = openPgDatabase({ url: TEST_PG_URL, schema: dbA.schema, poolSize: 4 });
  try {
    await fn(await openPgDkimKeyStore({ db: dbA }), await openPgDkimKeyStore({ db: dbB }));
  } finally {
    await dbB.close();
    await dbA.close();
  }
}

const add = (s: DkimKeyStore, domain: string, selector: string, createdAt: number) =>
  s.add({ domain, selector, algorithm: 'rsa-2048', publicKey: `p-${selector}`, sealedKey: Buffer.from([1]), createdAt });

test('two nodes activating keys of one domain at once leave exactly one active key', () =>
  twoNodes(async (a, b) => {
    for (let i = 0; i < 20; i++) {
      const domain = `d${i}.example`;
      await add(a, domain, 'r0', T);
      await a.activate(domain, 'r0', T);
      for (const [n, sel] of ['p1', 'p2', 'p3'].entries()) await add(a, domain, sel, T + 1 + n);
      // Node A switches to p1, node B to p3, at the same moment: whichever commits last, p3 ends active.
      const [ca, cb] = await Promise.all([a.activate(domain, 'p1', T + 10), b.activate(domain, 'p3', T + 10)]);
      const states = Object.fromEntries((await b.list(domain)).map((k) => [k.selector, k.state]));
      assert.equal(Object.values(states).filter((s) => s === 'active').length, 1, `round ${i}: ${JSON.stringify(states)}`);
      assert.equal(states.p3, 'active', `round ${i}: ${JSON.stringify(states)}`);
      assert.equal(states.p2, 'retired');
      assert.ok(cb.length > 0 && (ca.length === 0 || states.p1 === 'retiring'), `round ${i}: ${JSON.stringify({ ca, cb })}`);
    }
  }));

test('two nodes activating the same key at once: one makes the switch, the other no change', () =>
  twoNodes(async (a, b) => {
    for (let i = 0; i < 20; i++) {
      const domain = `s${i}.example`;
      await add(a, domain, 'old', T);
      await a.activate(domain, 'old', T);
      await add(a, domain, 'new', T + 1);
      const [ca, cb] = await Promise.all([a.activate(domain, 'new', T + 5), b.activate(domain, 'new', T + 6)]);
      assert.equal([ca, cb].filter((c) => c.length === 2).length, 1, `round ${i}: ${JSON.stringify({ ca, cb })}`);
      assert.equal([ca, cb].filter((c) => c.length === 0).length, 1);
    }
  }));

test('the database itself refuses a second active key for a domain and algorithm', async () => {
  const db = await openTestPgDatabase();
  try {
    const s = await openPgDkimKeyStore({ db });
    await add(s, 'x.example', 'a', T);
    await add(s, 'x.example', 'b', T);
    await s.activate('x.example', 'a', T);
    await assert.rejects(db.query("UPDATE dkim_keys SET state = 'active' WHERE selector = 'b'"), /dkim_keys_one_active/);
  } finally {
    await db.close();
  }
});

test('the dkim-keys concern migrates its own tables to its latest level, once however many nodes open it', async () => {
  const db = await openTestPgDatabase({ poolSize: 4 });
  try {
    await Promise.all([openPgDkimKeyStore({ db }), openPgDkimKeyStore({ db }), openPgDkimKeyStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { 'dkim-keys': latestVersion(PG_DKIM_KEYS_SCHEMA) });
  } finally {
    await db.close();
  }
});
