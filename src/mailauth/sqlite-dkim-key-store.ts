import { openConcernDatabase, ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { DKIM_KEYS_SCHEMA } from './dkim-migrations.js';
import { DkimKeyStoreError, type DkimAlgorithm, type DkimKeyChange, type DkimKeyState, type DkimKeyStore } from './dkim-key-store.js';
import { toRecord, type DkimKeyRow } from './dkim-key-rows.js';

export interface SqliteDkimKeyStoreOptions {
  /** The database file (`queue.path`): the keys have their own table and schema level in it. */
  readonly path: string;
}

interface Row extends DkimKeyRow {
  readonly rowid: number;
}

const COLUMNS = 'rowid, domain, selector, algorithm, state, public_key, sealed_key, created_at, state_since';

/**
 * DKIM keys in the same SQLite file as the queue. Writes are rare (the CLI,
 * a rotation) and tiny, so they run on this thread; the switch is one
 * transaction, so two nodes checking DNS at once make it once.
 */
export function openSqliteDkimKeyStore(opts: SqliteDkimKeyStoreOptions): DkimKeyStore {
  const db = openConcernDatabase(opts.path, DKIM_KEYS_SCHEMA);
  const insert = db.prepare(
    `INSERT INTO dkim_keys (domain, selector, algorithm, state, public_key, sealed_key, created_at, state_since, schema_version)
     VALUES (?, ?, ?, 'pending-dns', ?, ?, ?, ?, ${ROW_SCHEMA_VERSION}) ON CONFLICT (domain, selector) DO NOTHING`,
  );
  const all = db.prepare(`SELECT ${COLUMNS} FROM dkim_keys ORDER BY domain, created_at, rowid`);
  const ofDomain = db.prepare(`SELECT ${COLUMNS} FROM dkim_keys WHERE domain = ? ORDER BY created_at, rowid`);
  // Erasing the private key on retirement: a retired key can never sign again.
  const setState = db.prepare(
    `UPDATE dkim_keys SET state = @to, state_since = @at, sealed_key = CASE WHEN @to = 'retired' THEN NULL ELSE sealed_key END
     WHERE domain = @domain AND selector = @selector AND state = @from`,
  );

  const change = (r: Row, to: DkimKeyState, at: number): DkimKeyChange | undefined =>
    setState.run({ domain: r.domain, selector: r.selector, from: r.state, to, at }).changes > 0
      ? { domain: r.domain, selector: r.selector, algorithm: r.algorithm as DkimAlgorithm, from: r.state as DkimKeyState, to }
      : undefined;

  const activate = db.transaction((domain: string, selector: string, at: number): DkimKeyChange[] => {
    const rows = ofDomain.all(domain) as Row[];
    const key = rows.find((r) => r.selector === selector);
    if (!key || key.state !== 'pending-dns') return [];
    const out: (DkimKeyChange | undefined)[] = [change(key, 'active', at)];
    for (const r of rows) {
      if (r === key || r.algorithm !== key.algorithm) continue;
      if (r.state === 'active') out.push(change(r, 'retiring', at));
      // An older rotation that never got its DNS record is superseded by this one.
      else if (r.state === 'pending-dns' && r.rowid < key.rowid) out.push(change(r, 'retired', at));
    }
    return out.filter((c): c is DkimKeyChange => c !== undefined);
  });

  return {
    async add(key) {
      if (insert.run(key.domain, key.selector, key.algorithm, key.publicKey, key.sealedKey, key.createdAt, key.createdAt).changes === 0) {
        throw new DkimKeyStoreError(`${key.domain} already has a key with selector ${key.selector}`, 'exists');
      }
    },
    async list(domain) {
      return ((domain === undefined ? all.all() : ofDomain.all(domain)) as Row[]).map(toRecord);
    },
    async activate(domain, selector, at) {
      return activate.immediate(domain, selector, at);
    },
    async retire(domain, selector, at) {
      return setState.run({ domain, selector, from: 'retiring', to: 'retired', at }).changes > 0;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
