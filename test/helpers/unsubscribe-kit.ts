import { resolve } from 'node:path';
import type { Baton } from './baton.js';
import { runCommand } from './clients.js';

/**
 * Shared pieces of the unsubscribe end-to-end tests (issue 9): what the
 * delivered List-Unsubscribe says, curl against the endpoint, and the
 * suppression store and events read straight from the SQLite file
 * (read-only; the CLI for suppressions is another part of the issue).
 */

export interface DeliveredUnsubscribe {
  readonly url: string;
  readonly token: string;
  readonly mailto?: string;
  readonly post?: string;
}

/** The List-Unsubscribe URIs and List-Unsubscribe-Post of a delivered message; undefined when it has none. */
export function listUnsubscribeOf(message: Buffer): DeliveredUnsubscribe | undefined {
  const header = message.toString('latin1').split('\r\n\r\n')[0] ?? '';
  const unfolded = header.replace(/\r\n(?=[ \t])/g, '');
  const field = /^List-Unsubscribe:(.*)$/im.exec(unfolded)?.[1];
  if (field === undefined) return undefined;
  const url = /<(https:\/\/[^>]+\/u\/([A-Za-z0-9_-]+))>/.exec(field);
  if (!url) throw new Error(`List-Unsubscribe without our URL: ${field}`);
  const mailto = /<mailto:([^>]+)>/.exec(field)?.[1];
  const post = /^List-Unsubscribe-Post:(.*)$/im.exec(unfolded)?.[1]?.trim();
  return { url: url[1] as string, token: url[2] as string, ...(mailto ? { mailto } : {}), ...(post ? { post } : {}) };
}

export interface CurlResult {
  readonly status: number;
  readonly body: string;
}

/** curl against the endpoint on loopback (the public https base is a proxy's business). */
export async function curl(port: number, token: string, args: readonly string[] = []): Promise<CurlResult> {
  const r = await runCommand('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args, `http://127.0.0.1:${port}/u/${token}`], { timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`curl failed (${r.code}): ${r.stderr}`);
  const cut = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut) };
}

export interface SuppressionRow {
  readonly address: string;
  readonly scope: string;
  readonly reason: string;
  readonly source: string | null;
}

async function withDb<T>(b: Baton, read: (db: import('better-sqlite3').Database) => T): Promise<T> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(resolve(b.dir, 'queue.db'), { readonly: true, fileMustExist: true });
  try {
    return read(db);
  } finally {
    db.close();
  }
}

export function suppressionRows(b: Baton): Promise<SuppressionRow[]> {
  return withDb(b, (db) => db.prepare('SELECT address, scope, reason, source FROM suppressions ORDER BY address, scope').all() as SuppressionRow[]);
}

export function suppressionAddedEvents(b: Baton): Promise<Record<string, unknown>[]> {
  return withDb(b, (db) => (db.prepare("SELECT data FROM events WHERE type = 'suppression-added' ORDER BY id").all() as { data: string }[]).map((r) => JSON.parse(r.data) as Record<string, unknown>));
}
