import pg from 'pg';

/**
 * One PostgreSQL connection pool per process, shared by every store on the
 * factory (src/stores): a cluster of Baton nodes shares one database
 * (docs/cluster.md). Stores take a `PgDatabase` and never open pools of
 * their own, so a node holds at most `queue.poolSize` connections.
 *
 * Durability: every connection runs with `synchronous_commit = on` (forced
 * here, whatever the server's default), so a COMMIT returns only after its
 * WAL record is flushed; a store resolves an enqueue (and the session says
 * 250) only after that COMMIT.
 */
export interface PgDatabaseOptions {
  /** "postgres://user@host:5432/db" (queue.url). */
  readonly url: string;
  /** Tables live in this schema instead of the user's default search_path (tests: one fresh schema each). */
  readonly schema?: string;
  /** Most connections this process opens. */
  readonly poolSize?: number;
  /** Shown in pg_stat_activity: which node and role each connection serves. */
  readonly applicationName?: string;
  /** A connection attempt fails after this long (the database is down: answer 451 soon, not after the SMTP timeout). */
  readonly connectTimeoutMs?: number;
  /** Called for errors of idle connections (the server restarted): they are dropped and replaced, never fatal. */
  readonly onIdleError?: (err: Error) => void;
}

export type PgClient = pg.PoolClient;
export type PgQueryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

export interface PgDatabase {
  readonly pool: pg.Pool;
  /** The schema tables live in ("public" unless set). */
  readonly schema: string;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: readonly unknown[]): Promise<pg.QueryResult<R>>;
  /**
   * Run `fn` in one transaction on one connection: COMMIT when it resolves,
   * ROLLBACK when it throws (the error is rethrown). The connection goes back
   * to the pool either way; one whose ROLLBACK failed is destroyed.
   */
  transaction<T>(fn: (client: PgClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

// int8 (bigint) columns hold ms timestamps, row ids and counters, all below
// 2^53: read them as numbers, as the SQLite backends return them, not strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (text) => Number(text));

/** A schema name we put in SQL text ourselves: letters, digits and underscores only. */
const SAFE_IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export function openPgDatabase(opts: PgDatabaseOptions): PgDatabase {
  const schema = opts.schema ?? 'public';
  if (!SAFE_IDENTIFIER.test(schema)) throw new Error(`PostgreSQL schema name "${schema}" must be lower-case letters, digits and _`);
  const { connectionString, userOptions } = splitOptions(opts.url);
  // Server settings for every connection, after the URL's own `options` so
  // ours win: a URL cannot turn durability off.
  const ours = `-c synchronous_commit=on -c search_path=${schema}`;
  const pool = new pg.Pool({
    connectionString,
    options: userOptions ? `${userOptions} ${ours}` : ours,
    max: opts.poolSize ?? 10,
    application_name: opts.applicationName ?? 'baton',
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    // Dead peers (a database host that vanished) are noticed by TCP keepalive, not only by the next query.
    keepAlive: true,
  });
  // Without a listener an idle client's error (the server restarting) would crash the process.
  pool.on('error', (err) => opts.onIdleError?.(err));
  let closed: Promise<void> | undefined;
  return {
    pool,
    schema,
    query: (text, values) => pool.query(text, values as unknown[] | undefined),
    async transaction(fn) {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        try {
          await client.query('ROLLBACK');
        } catch {
          broken = true;
        }
        throw err;
      } finally {
        client.release(broken);
      }
    },
    close: () => (closed ??= pool.end()),
  };
}

/**
 * The URL without its `options` parameter, and that parameter: pg lets a
 * URL's settings override the ones given beside it, so ours are merged by hand.
 */
function splitOptions(url: string): { connectionString: string; userOptions: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { connectionString: url, userOptions: '' };
  }
  const userOptions = parsed.searchParams.get('options') ?? '';
  parsed.searchParams.delete('options');
  return { connectionString: parsed.toString(), userOptions };
}

/**
 * Whether an error means the database is unreachable or restarting (connection
 * refused or reset, timeouts, admin shutdown, too many connections) rather
 * than a fault in our SQL: callers answer 451 and retry later.
 */
export function isPgUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (!e) return false;
  const code = e.code ?? '';
  // Class 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300') return true;
  if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND'].includes(code)) return true;
  const text = e.message ?? '';
  return /timeout exceeded when trying to connect|Connection terminated|connection timeout/i.test(text);
}

/** What every PostgreSQL store's open function takes: the process's shared pool. */
export interface PgStoreOptions {
  readonly db: PgDatabase;
}

/** `store`, whose close() also closes the pool it was opened on (a store with a pool of its own: CLI commands, tests). */
export function closingWith<T extends { close(): Promise<void> }>(store: T, db: PgDatabase): T {
  const close = store.close.bind(store);
  return Object.assign(store, {
    close: async () => {
      try {
        await close();
      } finally {
        await db.close();
      }
    },
  });
}
