import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { openPgDatabase, type PgDatabase } from '../../src/postgres/index.js';

/**
 * Real PostgreSQL for tests: the server on the machine (127.0.0.1:5432,
 * database `test`, trust auth; `.ci/run` starts it when it is down), or
 * BATON_TEST_PG_URL. Each call makes a fresh schema, so tests (and the two
 * files node:test runs at once) never see each other's tables; every schema
 * a test file made is dropped when the file ends.
 */
export const TEST_PG_URL = process.env.BATON_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const made: string[] = [];
// Registered when a test file imports this helper (its top level): a hook registered lazily,
// inside the file's first test, ran when that test ended and left every later schema behind.
after(dropMadeSchemas);

/** A new, empty schema; its name. Dropped after the test file. */
export async function freshPgSchema(prefix = 't'): Promise<string> {
  const schema = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  made.push(schema);
  return schema;
}

/** A pool on a fresh schema (small: contract suites open one per test). Close it, or use `closingWith`. */
export async function openTestPgDatabase(opts: { poolSize?: number } = {}): Promise<PgDatabase> {
  const schema = await freshPgSchema();
  return openPgDatabase({ url: TEST_PG_URL, schema, poolSize: opts.poolSize ?? 3, applicationName: 'baton-test' });
}

/** `store`, whose close() also closes its pool (a contract suite's `open()`): the same as the stores' own. */
export { closingWith } from '../../src/postgres/index.js';

async function dropMadeSchemas(): Promise<void> {
  if (made.length === 0) return;
  const client = new pg.Client({ connectionString: TEST_PG_URL });
  await client.connect();
  try {
    for (const schema of made.splice(0)) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}
