import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { isPgUnavailable, openPgDatabase } from './database.js';
import { migratePg, schemaLevels } from './migrate.js';

const concern = {
  name: 'sample',
  migrations: [
    { version: 1, name: 'create', sql: 'CREATE TABLE sample (id bigint PRIMARY KEY, note text NOT NULL)' },
    { version: 2, name: 'add column', sql: 'ALTER TABLE sample ADD COLUMN at bigint' },
  ],
};

test('migrations apply once, in order, and a level newer than the code is refused', async () => {
  const db = await openTestPgDatabase();
  try {
    assert.deepEqual(await schemaLevels(db), {});
    // Several nodes starting at once: the advisory lock lets exactly one apply each step.
    const levels = await Promise.all([migratePg(db, concern), migratePg(db, concern), migratePg(db, concern)]);
    assert.deepEqual(levels, [2, 2, 2]);
    assert.deepEqual(await schemaLevels(db), { sample: 2 });
    await db.query('INSERT INTO sample (id, note, at) VALUES (9007199254740991, $1, 1700000000000)', ['x']);
    const row = (await db.query<{ id: number; at: number }>('SELECT id, at FROM sample')).rows[0];
    assert.equal(row?.id, Number.MAX_SAFE_INTEGER, 'int8 reads back as a number');
    await assert.rejects(migratePg(db, { name: 'sample', migrations: concern.migrations.slice(0, 1) }), /newer than this version of Baton knows/);
  } finally {
    await db.close();
  }
});

test('a failed migration leaves its concern at the level before it (DDL is transactional)', async () => {
  const db = await openTestPgDatabase();
  try {
    const broken = { name: 'broken', migrations: [...concern.migrations, { version: 3, name: 'bad', sql: 'ALTER TABLE sample ADD COLUMN note2 text; SELECT no_such_function()' }] };
    await assert.rejects(migratePg(db, broken), /no_such_function/);
    assert.deepEqual(await schemaLevels(db), {});
    assert.equal((await db.query("SELECT to_regclass('sample') AS t")).rows[0]?.t, null);
  } finally {
    await db.close();
  }
});

test('a transaction rolls back when its function throws, and every connection commits synchronously', async () => {
  const db = await openTestPgDatabase();
  try {
    await migratePg(db, concern);
    await assert.rejects(
      db.transaction(async (c) => {
        await c.query("INSERT INTO sample (id, note) VALUES (1, 'gone')");
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal((await db.query('SELECT count(*)::int AS n FROM sample')).rows[0]?.n, 0);
    // Even a URL asking for asynchronous commit gets synchronous_commit = on.
    const lax = openPgDatabase({ url: `${TEST_PG_URL}?options=-c%20synchronous_commit%3Doff`, schema: db.schema, poolSize: 2 });
    try {
      const shown = await lax.query<{ s: string }>("SELECT current_setting('synchronous_commit') AS s");
      assert.equal(shown.rows[0]?.s, 'on');
      assert.equal((await lax.query<{ p: string }>('SELECT current_schema() AS p')).rows[0]?.p, db.schema);
    } finally {
      await lax.close();
    }
  } finally {
    await db.close();
  }
});

test('an unreachable database is reported as unavailable, not as a fault in our SQL', async () => {
  const db = openPgDatabase({ url: 'postgres://postgres@127.0.0.1:1/test', poolSize: 2, connectTimeoutMs: 2_000 });
  try {
    const err = await db.query('SELECT 1').then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err, 'the query must fail');
    assert.equal(isPgUnavailable(err), true, String(err));
    assert.equal(isPgUnavailable({ code: '42P01', message: 'relation does not exist' }), false);
  } finally {
    await db.close();
  }
});
