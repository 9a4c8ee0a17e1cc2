import { migratePg, type PgClient, type PgStoreOptions } from '../postgres/index.js';
import { ROW_SCHEMA_VERSION, type SchemaConcern } from '../sqlite/index.js';
import { DkimKeyStoreError, type DkimAlgorithm, type DkimKeyChange, type DkimKeyState, type DkimKeyStore } from './dkim-key-store.js';
import { toRecord, type DkimKeyRow } from './dkim-key-rows.js';

/** The DKIM key store's schema on PostgreSQL: the `dkim-keys` concern, numbered like dkim-migrations.ts. */
export const PG_DKIM_KEYS_SCHEMA: SchemaConcern = {
  name: 'dkim-keys',
  migrations: [
    {
      version: 1,
      name: 'dkim keys',
      sql: `
CREATE TABLE dkim_keys (
  domain text NOT NULL,
  selector text NOT NULL,
  -- Insertion order (SQLite's rowid): keys made in one millisecond still have an age order.
  seq bigint GENERATED ALWAYS AS IDENTITY,
  algorithm text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending-dns', 'active', 'retiring', 'retired')),
  -- The p= value published in DNS.
  public_key text NOT NULL,
  -- The private key sealed with dkim.secret (AES-256-GCM); NULL once retired.
  sealed_key bytea,
  created_at bigint NOT NULL,
  state_since bigint NOT NULL,
  schema_version integer NOT NULL,
  PRIMARY KEY (domain, selector)
);
-- At most one signing key per domain and algorithm, whatever any node does: the database refuses a second.
CREATE UNIQUE INDEX dkim_keys_one_active ON dkim_keys (domain, algorithm) WHERE state = 'active';
`,
    },
  ],
};

interface Row extends DkimKeyRow {
  readonly seq: number;
}

const COLUMNS = 'seq, domain, selector, algorithm, state, public_key, sealed_key, created_at, state_since';

// Erasing the private key on retirement: a retired key can never sign again.
const SET_STATE = `UPDATE dkim_keys SET state = $4, state_since = $5, sealed_key = CASE WHEN $4 = 'retired' THEN NULL ELSE sealed_key END
  WHERE domain = $1 AND selector = $2 AND state = $3`;

/**
 * DKIM keys in the cluster's PostgreSQL database: every node signs with the
 * same active key. The switch (activate) is one transaction that first locks
 * every key of the domain (SELECT … FOR UPDATE, in one order, so two nodes
 * checking DNS at once cannot deadlock): the second node waits, then sees the
 * key already active and makes no change, where SQLite relied on its single
 * writer. A partial unique index backs the rule "one active key per domain
 * and algorithm".
 */
export async function openPgDkimKeyStore(opts: PgStoreOptions): Promise<DkimKeyStore> {
  const { db } = opts;
  await migratePg(db, PG_DKIM_KEYS_SCHEMA);

  const change = async (c: PgClient, r: Row, to: DkimKeyState, at: number): Promise<DkimKeyChange | undefined> =>
    ((await c.query(SET_STATE, [r.domain, r.selector, r.state, to, at])).rowCount ?? 0) > 0
      ? { domain: r.domain, selector: r.selector, algorithm: r.algorithm as DkimAlgorithm, from: r.state as DkimKeyState, to }
      : undefined;

  return {
    async add(key) {
      const done = await db.query(
        `INSERT INTO dkim_keys (domain, selector, algorithm, state, public_key, sealed_key, created_at, state_since, schema_version)
         VALUES ($1, $2, $3, 'pending-dns', $4, $5, $6, $6, ${ROW_SCHEMA_VERSION}) ON CONFLICT (domain, selector) DO NOTHING`,
        [key.domain, key.selector, key.algorithm, key.publicKey, key.sealedKey, key.createdAt],
      );
      if ((done.rowCount ?? 0) === 0) throw new DkimKeyStoreError(`${key.domain} already has a key with selector ${key.selector}`, 'exists');
    },
    async list(domain) {
      // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
      const rows =
        domain === undefined
          ? await db.query<Row>(`SELECT ${COLUMNS} FROM dkim_keys ORDER BY domain COLLATE "C", created_at, seq`)
          : await db.query<Row>(`SELECT ${COLUMNS} FROM dkim_keys WHERE domain = $1 ORDER BY created_at, seq`, [domain]);
      return rows.rows.map(toRecord);
    },
    async activate(domain, selector, at) {
      return db.transaction(async (c) => {
        const rows = (await c.query<Row>(`SELECT ${COLUMNS} FROM dkim_keys WHERE domain = $1 ORDER BY seq FOR UPDATE`, [domain])).rows;
        const key = rows.find((r) => r.selector === selector);
        if (!key || key.state !== 'pending-dns') return [];
        // The old active key steps down before the new one steps up, or the unique index would refuse the switch.
        const others: (DkimKeyChange | undefined)[] = [];
        for (const r of [...rows].sort((x, y) => x.created_at - y.created_at || x.seq - y.seq)) {
          if (r === key || r.algorithm !== key.algorithm) continue;
          if (r.state === 'active') others.push(await change(c, r, 'retiring', at));
          // An older rotation that never got its DNS record is superseded by this one.
          else if (r.state === 'pending-dns' && r.seq < key.seq) others.push(await change(c, r, 'retired', at));
        }
        return [await change(c, key, 'active', at), ...others].filter((x): x is DkimKeyChange => x !== undefined);
      });
    },
    async retire(domain, selector, at) {
      return ((await db.query(SET_STATE, [domain, selector, 'retiring', 'retired', at])).rowCount ?? 0) > 0;
    },
    // The pool is the process's (src/stores/postgres-stores.ts closes it).
    async close() {},
  };
}
