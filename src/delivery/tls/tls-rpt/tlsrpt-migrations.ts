import type { SchemaConcern } from '../../../sqlite/index.js';

/**
 * The TLS-RPT store's tables (`schema:tlsrpt`), the same on SQLite and
 * PostgreSQL but for the integer type: `policy_hash` (sha256 of `policy`)
 * stands for the policy in the key, since a TLSA policy's strings may be
 * longer than an index entry may be.
 */
function tables(int64: string, strict: string): string {
  return `
CREATE TABLE tlsrpt_counts (
  day TEXT NOT NULL,
  report_domain TEXT NOT NULL,
  policy_hash TEXT NOT NULL,
  result_type TEXT NOT NULL,
  sending_ip TEXT NOT NULL,
  receiving_mx TEXT NOT NULL,
  receiving_ip TEXT NOT NULL,
  policy TEXT NOT NULL,
  count ${int64} NOT NULL,
  schema_version INTEGER NOT NULL,
  PRIMARY KEY (day, report_domain, policy_hash, result_type, sending_ip, receiving_mx, receiving_ip)
)${strict};
CREATE TABLE tlsrpt_sends (
  day TEXT NOT NULL,
  report_domain TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  claimed_at ${int64} NOT NULL,
  report_id TEXT,
  error TEXT,
  schema_version INTEGER NOT NULL,
  PRIMARY KEY (day, report_domain)
)${strict};
CREATE TABLE tlsrpt_last (
  domain TEXT PRIMARY KEY,
  at ${int64} NOT NULL,
  result TEXT NOT NULL,
  schema_version INTEGER NOT NULL
)${strict};
`;
}

export const TLSRPT_SCHEMA: SchemaConcern = {
  name: 'tlsrpt',
  migrations: [{ version: 1, name: 'tls-rpt counts, sends and last results', sql: tables('INTEGER', ' STRICT') }],
};

export const PG_TLSRPT_SCHEMA: SchemaConcern = {
  name: 'tlsrpt',
  migrations: [{ version: 1, name: 'tls-rpt counts, sends and last results', sql: tables('bigint', '') }],
};
