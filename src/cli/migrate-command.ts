import Database from 'better-sqlite3';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { isPgUnavailable, schemaLevels } from '../postgres/index.js';
import { openPgDb } from '../stores/postgres-stores.js';
import { openStores } from '../stores/index.js';

export interface MigrateCommandDeps {
  readonly loadConfig: (configFile?: string) => Config;
  readonly out?: (text: string) => void;
}

/**
 * `baton migrate`: open every store (each concern applies its numbered
 * migrations; on PostgreSQL under one advisory lock, so running it while
 * nodes start is safe), then print each concern's schema level. Exit 0, or 1
 * with one line saying why (the database cannot be reached, a level newer
 * than this Baton).
 */
export function registerMigrateCommand(program: Command, deps: MigrateCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  return program
    .command('migrate')
    .description('apply the schema migrations of every store (SQLite file or PostgreSQL) and print the levels')
    .option('-c, --config <file>', 'configuration file (default: the embedded default)')
    .option('--json', 'print JSON')
    .action(async function (this: Command) {
      const opts = this.opts<{ config?: string; json?: boolean }>();
      const config = deps.loadConfig(opts.config);
      let levels: Record<string, number>;
      try {
        levels = await migrateAll(config);
      } catch (err) {
        return this.showHelpAfterError(false).error(`baton: ${describeFailure(err, config)}`, { exitCode: 1, code: 'baton.migrate.failed' });
      }
      if (opts.json) return out(`${JSON.stringify({ backend: config.queue.url ? 'postgresql' : 'sqlite', levels }, null, 2)}\n`);
      out(`${config.queue.url ? `postgresql schema ${config.queue.schema}` : `sqlite ${config.queue.path}`}: migrated\n`);
      for (const [concern, level] of Object.entries(levels)) out(`${concern.padEnd(16)} ${level}\n`);
    });
}

/** Open (and so migrate) every store, close them, and read the levels back. */
export async function migrateAll(config: Config): Promise<Record<string, number>> {
  if (config.queue.url) {
    // Reach the database first, so "unreachable" is said as such, before any store opens.
    const probe = openPgDb(config, 'baton-migrate');
    try {
      await probe.query('SELECT 1');
    } finally {
      await probe.close();
    }
  }
  const stores = await openStores(config);
  await stores.close();
  if (!config.queue.url) return sqliteLevels(config.queue.path);
  const db = openPgDb(config, 'baton-migrate');
  try {
    return await schemaLevels(db);
  } finally {
    await db.close();
  }
}

/** The levels SQLite keeps in its meta table ("schema:<concern>", src/sqlite/migrate.ts). */
function sqliteLevels(path: string): Record<string, number> {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db.prepare("SELECT key, value FROM meta WHERE key LIKE 'schema:%' ORDER BY key").all() as { key: string; value: string }[];
    return Object.fromEntries(rows.map((r) => [r.key.slice('schema:'.length), Number(r.value)]));
  } finally {
    db.close();
  }
}

function describeFailure(err: unknown, config: Config): string {
  const message = (err as Error).message ?? String(err);
  if (config.queue.url && isPgUnavailable(err)) {
    // Never print the URL itself: it may carry a password.
    const where = safeHost(config.queue.url);
    return `cannot reach PostgreSQL at ${where} (${message}); nothing was migrated`;
  }
  return message;
}

function safeHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  } catch {
    return 'queue.url';
  }
}
