/**
 * Cutting a CSV file into parts at record boundaries, so the import can be
 * sent part by part and its progress shown. Only the boundaries are found
 * here (a line break outside double quotes, RFC 4180 §2.6-2.7); the rows are
 * read by the server, with the same reader as `baton suppression import`.
 */

export interface CsvPart {
  /** The part's text: whole records, in file order. */
  readonly text: string;
  /** Its first line's number in the file (1-based, physical lines). */
  readonly firstLine: number;
  /** Non-empty records in it. */
  readonly records: number;
}

export interface CsvSplit {
  /**
   * The first record's text (a header row or the first address) with its own
   * line break, to repeat before later parts: a part must not mix LF and CRLF,
   * as the reader takes the first break it meets for every record.
   */
  readonly first: string;
  readonly parts: readonly CsvPart[];
  /** Non-empty records in the whole file. */
  readonly records: number;
}

/** Split `text` into parts of about `perPart` records each. */
export function splitCsv(text: string, perPart: number): CsvSplit {
  const parts: CsvPart[] = [];
  let inQuotes = false;
  let line = 1;
  let recordStart = 0;
  let recordLine = 1;
  let partStart = 0;
  let partLine = 1;
  let partRecords = 0;
  let records = 0;
  let first: string | undefined;
  const endRecord = (end: number) => {
    const record = text.slice(recordStart, end);
    if (record.trim() !== '') {
      records++;
      partRecords++;
      if (first === undefined) first = record.replace(/^\uFEFF/, '');
    }
    recordStart = end;
    recordLine = line;
    if (partRecords >= perPart) {
      parts.push({ text: text.slice(partStart, end), firstLine: partLine, records: partRecords });
      partStart = end;
      partLine = recordLine;
      partRecords = 0;
    }
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    // A doubled quote inside a quoted field toggles twice: it stays inside, as it should.
    if (c === '"') inQuotes = !inQuotes;
    else if (c === '\n') {
      line++;
      if (!inQuotes) endRecord(i + 1);
    }
  }
  if (recordStart < text.length) endRecord(text.length);
  if (partStart < text.length && text.slice(partStart).trim() !== '') parts.push({ text: text.slice(partStart), firstLine: partLine, records: partRecords });
  return { first: first ?? '', parts, records };
}

/** Records per part: about 50 steps of progress, between 100 and 5,000 rows a request. */
export function partSize(records: number): number {
  return Math.min(5000, Math.max(100, Math.ceil(records / 50)));
}
