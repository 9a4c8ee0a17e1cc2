import BetterSqlite, { type Database } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Numbered schema migrations per concern (queue, users, events, and the
 * stores later issues add), even when SQLite keeps them all in one file
 * (DESIGN §9 Store). Formats live for ever (DESIGN §5): a released migration is
 * never edited, only followed by a new one. The SQL lives in strings because
 * tsc does not copy .sql files to dist/.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export interface SchemaConcern {
  /** Key of this concern's level in the `meta` table: `schema:<name>`. */
  readonly name: string;
  readonly migrations: readonly Migration[];
  /**
   * This concern's level in a database made before levels were kept per
   * concern, from the single `migration_level` those versions wrote.
   */
  readonly fromLegacyLevel?: (level: number) => number;
}

export function latestVersion(concern: SchemaConcern): number {
  return concern.migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

/**
 * Bring one concern's tables to its latest level. Safe when several
 * connections open the file at once (baton and the CLI): BEGIN IMMEDIATE
 * takes the write lock before the level is read. Returns the level.
 */
export function migrate(db: Database, concern: SchemaConcern): number {
  db.exec('CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
  const key = `schema:${concern.name}`;
  const latest = latestVersion(concern);
  const read = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const write = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const apply = db.transaction(() => {
    let level = levelOf(read.get(key));
    if (level === undefined) {
      // The legacy key is left as it was, so an older Baton still opens the file.
      const legacy = levelOf(read.get('migration_level'));
      level = legacy !== undefined && concern.fromLegacyLevel ? concern.fromLegacyLevel(legacy) : 0;
    }
    if (level > latest) {
      throw new Error(`The ${concern.name} tables are at schema level ${level}, newer than this version of Baton knows (${latest}); upgrade Baton`);
    }
    for (const m of concern.migrations) {
      if (m.version <= level) continue;
      db.exec(m.sql);
      level = m.version;
    }
    write.run(key, String(level));
    return level;
  });
  return apply.immediate();
}

function levelOf(value: unknown): number | undefined {
  return typeof value === 'string' ? Number(value) : undefined;
}

/** Pragmas every connection that writes sets: durability first (DESIGN §3 step 4). */
export function configureWriter(db: Database): void {
  db.pragma('journal_mode = WAL');
  // FULL: the WAL is fsynced at every commit, so a resolved enqueue survives power loss.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 10000');
  // Checkpoint every 32 MiB of WAL rather than SQLite's 4 MiB: queue pages
  // churn (a message is written, then deleted within seconds), and a page
  // rewritten many times between two checkpoints is copied to the database
  // file once. Measured: about 10% less writer-thread CPU per message.
  db.pragma('wal_autocheckpoint = 8192');
  // Statement journals (an INSERT into an AUTOINCREMENT table also updates
  // sqlite_sequence, so each needs one inside our per-request savepoints) and
  // temporary sorts stay in memory: on disk each opened a temporary file.
  // Measured at c=20, 10 KiB: the writer thread's system time per message
  // fell by a third, and half the bytes written went away.
  db.pragma('temp_store = MEMORY');
}

/** Value of the schema_version column of rows written by this code (row formats, DESIGN §5). */
export const ROW_SCHEMA_VERSION = 1;

/**
 * A connection on this thread to the shared database file for one concern's
 * store (users, DKIM keys, suppressions, counters, greylisting): the writer
 * pragmas, then the concern's migrations. `tune` may set more pragmas first.
 * These connections never checkpoint the WAL: a checkpoint fsyncs the
 * database file, and here it would do so on the main thread, between SMTP
 * replies; the queue's writer thread checkpoints the file for everyone.
 */
export function openConcernDatabase(path: string, concern: SchemaConcern, tune?: (db: Database) => void): Database {
  mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite(path);
  try {
    configureWriter(db);
    db.pragma('wal_autocheckpoint = 0');
    tune?.(db);
    migrate(db, concern);
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
