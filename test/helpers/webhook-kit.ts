import Database from 'better-sqlite3';
import { resolve } from 'node:path';
import type { Baton } from './baton.js';

/** `baton webhook add URL [--events ...] --json`: the new endpoint's id, secret and starting cursor. */
export async function webhookAdd(b: Baton, url: string, events?: readonly string[]): Promise<{ id: string; secret: string; cursor: number }> {
  const r = await b.cli(['webhook', 'add', url, ...(events ? ['--events', events.join(',')] : []), '--json']);
  if (r.code !== 0) throw new Error(`webhook add failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as { id: string; secret: string; cursor: number };
}

export interface WebhookShow {
  readonly enabled: boolean;
  readonly failures: number;
  readonly lastError: string | null;
  readonly cursor: number;
  readonly lag: { readonly pendingEvents: number; readonly lagSeconds: number };
  readonly deliveries: { readonly status?: number; readonly ok: boolean; readonly events: number }[];
}

/** `baton webhook show ID --json`. */
export async function webhookShow(b: Baton, id: string): Promise<WebhookShow> {
  const r = await b.cli(['webhook', 'show', id, '--json']);
  if (r.code !== 0) throw new Error(`webhook show failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as WebhookShow;
}

/** Every event id in the outbox, read straight from the SQLite file (read-only): what a receiver of all events must get. */
export function outboxIds(b: Baton): number[] {
  const db = new Database(resolve(b.dir, 'queue.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id FROM events ORDER BY id').pluck().all() as number[];
  } finally {
    db.close();
  }
}
