import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import { parseMailbox } from '../../core/index.js';
import type { ImportRow } from './contact-store.js';
import type { Contacts } from './contacts.js';

/**
 * Contacts as CSV (docs/campaigns.md#contacts-and-lists), streamed both ways
 * (csv-parse, csv-stringify) so 100,000 rows never sit in memory as one
 * string. Import: a header row; the `address` (or `email`) column is the key,
 * every other column an attribute, kept as a string (a CSV cell has no type;
 * "007" must stay "007"); an empty cell sets nothing. Rows are written
 * BATCH per transaction.
 */

const ADDRESS_COLUMNS = ['address', 'email'];
/** Rows per store transaction (and per progress step). */
export const IMPORT_BATCH = 2000;
/** Rejected rows an import report lists; `rejectedCount` says how many in all. */
export const MAX_REJECTED = 1000;

export interface Rejected {
  /** The data row number (1: the first row after the header). */
  readonly row: number;
  readonly address: string;
  readonly reason: string;
}

export interface ContactImportReport {
  readonly total: number;
  readonly created: number;
  readonly updated: number;
  readonly rejected: Rejected[];
  readonly rejectedCount: number;
}

export class ContactCsvError extends Error {
  override readonly name = 'ContactCsvError';
}

export async function importContactsCsv(input: Readable, contacts: Contacts, o: { readonly listId?: number; readonly onProgress?: (rows: number) => void } = {}): Promise<ContactImportReport> {
  const parser = input.pipe(parse({ bom: true, skip_empty_lines: true, relax_column_count: true, trim: true }));
  let header: string[] | undefined;
  let addressAt = -1;
  let total = 0;
  let created = 0;
  let updated = 0;
  let rejectedCount = 0;
  const rejected: Rejected[] = [];
  let batch: (ImportRow & { row: number })[] = [];
  const reject = (row: number, address: string, reason: string) => {
    rejectedCount++;
    if (rejected.length < MAX_REJECTED) rejected.push({ row, address, reason });
  };
  const flush = async () => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    const suppressed = await contacts.store.globallySuppressed(rows.map((r) => r.address));
    const keep: ImportRow[] = [];
    for (const r of rows) {
      if (suppressed.has(r.address)) reject(r.row, r.address, 'suppressed');
      else keep.push(r);
    }
    const now = contacts.deps.clock.now();
    const res = await contacts.store.importBatch(dedupe(keep), now, o.listId);
    created += res.created;
    updated += res.updated;
    if (o.listId !== undefined) await contacts.joinedByImport(res.joined, o.listId, now);
    o.onProgress?.(total);
  };
  for await (const record of parser as AsyncIterable<string[]>) {
    if (!header) {
      header = record.map((h) => h.trim().toLowerCase());
      addressAt = header.findIndex((h) => ADDRESS_COLUMNS.includes(h));
      if (addressAt < 0) throw new ContactCsvError(`the header row needs an "address" or "email" column (got: ${header.join(', ').slice(0, 200)})`);
      continue;
    }
    total++;
    const address = (record[addressAt] ?? '').trim().toLowerCase();
    if (address === '') {
      reject(total, '', 'no address');
      continue;
    }
    if (!parseMailbox(address)) {
      reject(total, address.slice(0, 320), 'not an email address');
      continue;
    }
    const attributes: Record<string, unknown> = {};
    header.forEach((name, i) => {
      const v = record[i];
      if (i !== addressAt && name !== '' && v !== undefined && v !== '') attributes[name] = v;
    });
    batch.push({ row: total, address, attributes });
    if (batch.length >= IMPORT_BATCH) await flush();
  }
  await flush();
  return { total, created, updated, rejected, rejectedCount };
}

/** One row per address: a repeat's attributes merge over the earlier ones (the last cell wins). */
function dedupe(rows: readonly ImportRow[]): ImportRow[] {
  const by = new Map<string, Record<string, unknown>>();
  for (const r of rows) by.set(r.address, { ...(by.get(r.address) ?? {}), ...r.attributes });
  return [...by].map(([address, attributes]) => ({ address, attributes }));
}

/**
 * Export: address, status, lists ("a;b", the lists it is a subscribed member
 * of), then one column per attribute name. The attribute columns are known
 * only after a first pass over the contacts (names vary per contact), so the
 * rows are read twice, a page at a time, never all held.
 */
export async function exportContactsCsv(contacts: Contacts, out: Writable, o: { readonly list?: number } = {}): Promise<number> {
  const names = new Set<string>();
  for await (const r of contacts.store.exportRows(o)) for (const k of Object.keys(r.attributes)) names.add(k);
  const attrs = [...names].sort();
  const csv = stringify({ header: true, columns: ['address', 'status', 'lists', ...attrs] });
  csv.pipe(out);
  let n = 0;
  for await (const r of contacts.store.exportRows(o)) {
    const line = [r.address, r.status, r.lists.join(';'), ...attrs.map((a) => cellOf(r.attributes[a]))];
    if (!csv.write(line)) await new Promise((resolve) => csv.once('drain', resolve));
    n++;
  }
  csv.end();
  await finished(out);
  return n;
}

const cellOf = (v: unknown): string => (v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v));
