import { ROW_SCHEMA_VERSION } from '../../../sqlite/index.js';

/**
 * The statements both backends run, with `$n` placeholders (the SQLite store
 * binds them by position as `?NNN`): one definition of the adding, claiming
 * and finishing rules.
 */
export const ADD_COUNT = `INSERT INTO tlsrpt_counts (day, report_domain, policy_hash, result_type, sending_ip, receiving_mx, receiving_ip, policy, count, schema_version)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${ROW_SCHEMA_VERSION})
  ON CONFLICT (day, report_domain, policy_hash, result_type, sending_ip, receiving_mx, receiving_ip) DO UPDATE SET count = tlsrpt_counts.count + excluded.count`;

/** The later of two results wins, whichever node writes last. */
export const MOVE_LAST = `INSERT INTO tlsrpt_last (domain, at, result, schema_version) VALUES ($1, $2, $3, ${ROW_SCHEMA_VERSION})
  ON CONFLICT (domain) DO UPDATE SET at = excluded.at, result = excluded.result WHERE tlsrpt_last.at <= excluded.at`;

/** $1 day, $2 domain, $3 now, $4 max attempts, $5 stale before: the row lock of ON CONFLICT makes the check and the take one step. */
export const CLAIM = `INSERT INTO tlsrpt_sends (day, report_domain, status, attempts, claimed_at, schema_version) VALUES ($1, $2, 'sending', 1, $3, ${ROW_SCHEMA_VERSION})
  ON CONFLICT (day, report_domain) DO UPDATE SET status = 'sending', attempts = tlsrpt_sends.attempts + 1, claimed_at = excluded.claimed_at, error = NULL
  WHERE tlsrpt_sends.attempts < $4 AND (tlsrpt_sends.status = 'failed' OR (tlsrpt_sends.status = 'sending' AND tlsrpt_sends.claimed_at < $5))
  RETURNING 1`;

/** $1 day, $2 domain, $3 status, $4 report id, $5 error. A report once sent stays sent. */
export const FINISH = `UPDATE tlsrpt_sends SET status = $3, report_id = $4, error = $5 WHERE day = $1 AND report_domain = $2 AND status = 'sending'`;

export const READ_COUNTS = `SELECT day, report_domain, result_type, sending_ip, receiving_mx, receiving_ip, policy, count FROM tlsrpt_counts WHERE day = $1
  ORDER BY report_domain, policy_hash, result_type, receiving_mx, receiving_ip, sending_ip`;
export const READ_LAST = 'SELECT domain, at, result FROM tlsrpt_last WHERE domain = $1';
export const READ_SEND = 'SELECT status, attempts, report_id, error FROM tlsrpt_sends WHERE day = $1 AND report_domain = $2';
export const PRUNE_COUNTS = 'DELETE FROM tlsrpt_counts WHERE day < $1';
export const PRUNE_SENDS = 'DELETE FROM tlsrpt_sends WHERE day < $1';

export interface SendRow {
  readonly status: string;
  readonly attempts: number;
  readonly report_id: string | null;
  readonly error: string | null;
}
export interface LastRow {
  readonly domain: string;
  readonly at: number | string;
  readonly result: string;
}

/**
 * For SQLite: `$n` becomes `?`, with the order the values must be bound in
 * (better-sqlite3 binds an array to anonymous `?` by position).
 */
export function sqliteParams(sql: string): { readonly sql: string; readonly order: readonly number[] } {
  const order: number[] = [];
  return { sql: sql.replace(/\$(\d+)/g, (_m, n: string) => (order.push(Number(n) - 1), '?')), order };
}
