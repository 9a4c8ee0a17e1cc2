import { constants, createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { parseDuration, parseMailbox } from '../core/index.js';
import { SUPPRESSION_REASONS, type NewSuppression, type SuppressionEntry, type SuppressionReason, type SuppressionStore, type Suppressions } from '../suppression/index.js';

/**
 * The CSV side of `baton suppression import|export` (docs/deliverability.md#suppression).
 * Files are streamed both ways (csv-parse, csv-stringify: RFC 4180 quoting,
 * BOMs, CRLF or LF), so 100,000 rows never sit in memory as one string.
 */

/** The columns a file may have, in the order `export` writes them. */
export const CSV_COLUMNS = ['address', 'domain', 'reason', 'source', 'created', 'expires'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
/** Other names mailing tools use for the address column. */
const ADDRESS_ALIASES = new Set(['address', 'email', 'email_address', 'e-mail']);

/** What applies to every row that does not say otherwise. */
export interface ImportDefaults {
  readonly reason: SuppressionReason;
  /** Absent: global. */
  readonly domain?: string;
  /** "csv:<file name>". */
  readonly source: string;
  readonly now: number;
}

export interface ImportReport {
  readonly rows: number;
  readonly imported: number;
  /** One line per bad row: "line 12: ...". */
  readonly problems: string[];
}

/** How many rows are written per store commit (and per progress step). */
const BATCH = 5000;

/**
 * One row as a suppression, or why it cannot be one. `columns` maps each
 * known column to its index in the row (a file with no header has the
 * address alone, in its first column).
 */
export function rowToSuppression(cells: readonly string[], columns: ReadonlyMap<CsvColumn, number>, d: ImportDefaults): NewSuppression | string {
  const cell = (c: CsvColumn) => {
    const i = columns.get(c);
    return i === undefined ? '' : (cells[i] ?? '').trim();
  };
  const address = cell('address');
  if (address === '') return 'no address';
  if (!parseMailbox(address)) return `"${address}" is not an email address`;
  const reasonText = cell('reason') || d.reason;
  if (!(SUPPRESSION_REASONS as readonly string[]).includes(reasonText)) return `reason "${reasonText}" is not one of ${SUPPRESSION_REASONS.join(', ')}`;
  const domainText = cell('domain');
  const domain = domainText === '' || domainText.toLowerCase() === 'global' ? (domainText === '' ? d.domain : undefined) : domainText;
  if (domain !== undefined && !parseMailbox(`x@${domain}`)) return `"${domain}" is not a domain name`;
  const created = instant(cell('created'), d.now);
  if (typeof created === 'string') return `created: ${created}`;
  const expires = instant(cell('expires'), d.now);
  if (typeof expires === 'string') return `expires: ${expires}`;
  return {
    address,
    reason: reasonText as SuppressionReason,
    ...(domain !== undefined ? { domain: domain.toLowerCase() } : {}),
    source: cell('source') || d.source,
    createdAt: created ?? d.now,
    ...(expires !== undefined ? { expiresAt: expires } : {}),
  };
}

/** An ISO 8601 date or time, or a duration from now ("30d"); empty is none. */
function instant(text: string, now: number): number | undefined | string {
  if (text === '') return undefined;
  if (/^\d+(?:\.\d+)?(?:ms|s|m|h|d)/.test(text)) {
    try {
      return now + parseDuration(text);
    } catch {
      return `"${text}" is neither an ISO date nor a duration like 30d`;
    }
  }
  const t = Date.parse(text);
  return Number.isNaN(t) ? `"${text}" is neither an ISO date nor a duration like 30d` : t;
}

/** The column map from a header row, or undefined if the row is not a header (its first cell is an address). */
function headerColumns(first: readonly string[]): Map<CsvColumn, number> | undefined | string {
  const names = first.map((c) => c.trim().toLowerCase());
  if (!names.some((n) => ADDRESS_ALIASES.has(n))) return undefined;
  const columns = new Map<CsvColumn, number>();
  for (const [i, n] of names.entries()) {
    const col: CsvColumn | undefined = ADDRESS_ALIASES.has(n) ? 'address' : (CSV_COLUMNS as readonly string[]).includes(n) ? (n as CsvColumn) : undefined;
    if (!col) return `unknown column "${first[i]}" in the header (known: ${CSV_COLUMNS.join(', ')})`;
    if (columns.has(col)) return `column "${col}" appears twice in the header`;
    columns.set(col, i);
  }
  return columns;
}

/**
 * Read `file` and add its rows through the Suppressions service (so each
 * addition is a `suppression-added` event), BATCH rows per commit. Bad rows
 * are reported and skipped; a file that is not CSV at all stops the import
 * where it breaks (rows before that are kept, and the error says so).
 */
export async function importCsv(file: string, service: Pick<Suppressions, 'add'>, d: ImportDefaults, progress: (rowsSoFar: number) => void): Promise<ImportReport> {
  await access(file, constants.R_OK).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file} (${err.code ?? err.message}); nothing was imported`);
  });
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true });
  // pipe() does not pass a read error on: hand it to the parser, whose loop below then throws it.
  createReadStream(file)
    .on('error', (err) => parser.destroy(err))
    .pipe(parser);
  let columns: Map<CsvColumn, number> | undefined;
  let width = 1;
  let hasHeader = false;
  let rows = 0;
  let imported = 0;
  const problems: string[] = [];
  let batch: NewSuppression[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await service.add(batch);
    imported += batch.length;
    batch = [];
    progress(rows);
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (columns === undefined) {
        const header = headerColumns(record);
        if (typeof header === 'string') throw new Error(`line ${info.lines}: ${header}`);
        columns = header ?? new Map([['address', 0]]);
        if (header) {
          hasHeader = true;
          width = record.length;
          continue;
        }
      }
      rows++;
      if (record.length > width) {
        problems.push(
          !hasHeader
            ? `line ${info.lines}: ${record.length} columns, but a file without a header row has one, the address (add a header row "address,domain,reason,expires")`
            : `line ${info.lines}: ${record.length} columns, more than the header's ${width}`,
        );
        continue;
      }
      const s = rowToSuppression(record, columns, d);
      if (typeof s === 'string') problems.push(`line ${info.lines}: ${s}`);
      else batch.push(s);
      if (batch.length >= BATCH) await flush();
    }
  } catch (err) {
    await flush();
    const why = (err as Error).message;
    throw new Error(`${file}: ${why}; ${imported} rows before it were imported`);
  }
  await flush();
  return { rows, imported, problems };
}

/** Write every entry as CSV (header first), reading the store page by page by cursor. Returns how many. */
export async function exportCsv(store: Pick<SuppressionStore, 'list'>, to: Writable, progress: (rowsSoFar: number) => void): Promise<number> {
  const csv = stringify({ header: true, columns: [...CSV_COLUMNS] });
  csv.pipe(to, { end: to !== process.stdout });
  const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());
  let n = 0;
  for (let after: SuppressionEntry | undefined; ; ) {
    const page = await store.list({ limit: BATCH, ...(after ? { after: { address: after.address, ...(after.domain ? { domain: after.domain } : {}) } } : {}) });
    if (page.length === 0) break;
    for (const e of page) {
      // Respect the pipe's backpressure: a slow reader must not make us buffer the whole list.
      if (!csv.write([e.address, e.domain ?? '', e.reason, e.source ?? '', iso(e.createdAt), iso(e.expiresAt)])) await new Promise((r) => csv.once('drain', r));
    }
    n += page.length;
    after = page[page.length - 1];
    progress(n);
  }
  csv.end();
  await finished(csv);
  if (to !== process.stdout) await finished(to);
  return n;
}
