import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { parseDuration, parseMailbox } from '../core/index.js';
import { SUPPRESSION_REASONS, type NewSuppression, type SuppressionEntry, type SuppressionQuery, type SuppressionReason, type SuppressionStore } from './suppression-store.js';
import type { Suppressions } from './suppressions.js';

/**
 * The suppression list as CSV, one format both ways: what export writes,
 * import reads (docs/deliverability.md#suppression). Shared by
 * `baton suppression import|export` (a file) and the API's
 * `POST /api/v1/suppressions/import` and `GET /api/v1/suppressions/export`
 * (a request body, a response). Streamed both ways (csv-parse,
 * csv-stringify: RFC 4180 quoting, BOMs, CRLF or LF), so 100,000 rows never
 * sit in memory as one string.
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

/** A CSV import that stopped: what went wrong, and how many rows were kept before it. */
export class CsvImportError extends Error {
  override readonly name = 'CsvImportError';
  constructor(
    /** What broke, "line 3: ..." (without the count). */
    readonly why: string,
    readonly imported: number,
  ) {
    super(`${why}; ${imported} rows before it were imported`);
  }
}

export interface ImportOptions {
  /**
   * Added to every line number reported: for a file sent in parts, the file
   * lines before the part (a part repeats the header row, so a part's row on
   * its line 2 is file line `lineOffset + 2`).
   */
  readonly lineOffset?: number;
}

/**
 * Read CSV from `input` and add its rows through the Suppressions service (so
 * each addition is a `suppression-added` event), BATCH rows per commit. Bad
 * rows are reported and skipped; input that is not CSV at all stops the
 * import where it breaks with a CsvImportError (rows before that are kept,
 * and the error says how many). `hasHeader` says whether the first row named
 * the columns (a client sending a file in parts repeats it in each part).
 */
export async function importCsvStream(
  input: Readable,
  service: Pick<Suppressions, 'add'>,
  d: ImportDefaults,
  progress: (rowsSoFar: number) => void = () => undefined,
  opts: ImportOptions = {},
): Promise<ImportReport & { readonly hasHeader: boolean }> {
  const offset = opts.lineOffset ?? 0;
  // Every record the parser makes, in order, until the loop below takes it. A
  // fault at the end of the input (an unclosed quote) destroys the stream and
  // its buffer with it; the rows parsed before the fault are still here, so
  // they are kept as the error promises, however the input was chunked.
  const parsed: { record: string[]; line: number }[] = [];
  const parser = parse({
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    on_record: (record: string[], context: { lines: number }) => {
      parsed.push({ record, line: context.lines });
      return record;
    },
  });
  // pipe() does not pass a read error on: hand it to the parser, whose loop below then throws it.
  input.on('error', (err) => parser.destroy(err)).pipe(parser);
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
  /** One record; a string is a fault that stops the import (a header with an unknown column). */
  const take = async ({ record, line: parserLine }: { record: string[]; line: number }): Promise<string | undefined> => {
    const line = parserLine + offset;
    if (columns === undefined) {
      const header = headerColumns(record);
      if (typeof header === 'string') return `line ${line}: ${header}`;
      columns = header ?? new Map([['address', 0]]);
      if (header) {
        hasHeader = true;
        width = record.length;
        return undefined;
      }
    }
    rows++;
    if (record.length > width) {
      problems.push(
        !hasHeader
          ? `line ${line}: ${record.length} columns, but a file without a header row has one, the address (add a header row "address,domain,reason,expires")`
          : `line ${line}: ${record.length} columns, more than the header's ${width}`,
      );
      return undefined;
    }
    const s = rowToSuppression(record, columns, d);
    if (typeof s === 'string') problems.push(`line ${line}: ${s}`);
    else batch.push(s);
    if (batch.length >= BATCH) await flush();
    return undefined;
  };
  let fault: string | undefined;
  try {
    for await (const _record of parser as AsyncIterable<string[]>) {
      const next = parsed.shift();
      if (next && (fault = await take(next)) !== undefined) break;
    }
  } catch (err) {
    fault = (err as Error).message;
    for (let next = parsed.shift(); next && !(await take(next)); next = parsed.shift());
  }
  if (fault !== undefined) {
    parser.destroy();
    input.destroy();
    await flush();
    throw new CsvImportError(fault, imported);
  }
  await flush();
  return { rows, imported, problems, hasHeader };
}

/**
 * Write every entry (or those `filter` selects) as CSV, header first, reading
 * the store page by page by cursor. Returns how many.
 */
export async function exportCsv(
  store: Pick<SuppressionStore, 'list'>,
  to: Writable,
  progress: (rowsSoFar: number) => void,
  filter: Omit<SuppressionQuery, 'limit' | 'after'> = {},
): Promise<number> {
  const csv = stringify({ header: true, columns: [...CSV_COLUMNS] });
  csv.pipe(to, { end: to !== process.stdout });
  const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());
  let n = 0;
  for (let after: SuppressionEntry | undefined; ; ) {
    const page = await store.list({ ...filter, limit: BATCH, ...(after ? { after: { address: after.address, ...(after.domain ? { domain: after.domain } : {}) } } : {}) });
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
