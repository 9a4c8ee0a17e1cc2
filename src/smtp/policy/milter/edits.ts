import { fieldRanges, unfoldedValue, type HeaderEdits } from '../../../core/index.js';
import type { MilterResult } from './conversation.js';

/** A milter's end-of-message edits as Baton's header edits, and a hold reason when it asked for quarantine. */
export interface MappedEdits {
  readonly edits: HeaderEdits;
  readonly hold?: string;
}

/**
 * Maps SMFIR_ADDHEADER, INSHEADER, CHGHEADER and QUARANTINE onto HeaderEdits
 * (which prepend fields and remove fields by name or value):
 * - ADDHEADER and INSHEADER: the field goes on top of the header (Sendmail
 *   appends ADDHEADER at the bottom; trace and signature fields, what milters
 *   add, belong on top, RFC 5321 §4.4, RFC 6376 §5.6). INSHEADER's index is
 *   not kept.
 * - CHGHEADER name, n, value: the n-th field of that name (1-based) is
 *   removed by its exact value and, unless the value is empty (a delete),
 *   the new one goes on top. An identical copy elsewhere goes too. An index
 *   past the last field of that name adds the field (libmilter's rule).
 * - QUARANTINE: the message is queued held with the milter's reason.
 * Values come as bytes with LF folds (Sendmail's form): LF becomes CRLF.
 */
export function mapEdits(message: Buffer, result: MilterResult, milter: string): MappedEdits {
  const prepend: string[] = [];
  const removeWhere: { name: string; value: RegExp }[] = [];
  let hold: string | undefined;
  const fields = fieldRanges(message);
  for (const e of result.edits) {
    switch (e.kind) {
      case 'addheader':
      case 'insheader':
        prepend.push(field(e.name, e.value));
        break;
      case 'chgheader': {
        const same = fields.filter((f) => f.name === e.name.toLowerCase());
        const target = e.index >= 1 ? same[e.index - 1] : undefined;
        if (target) removeWhere.push({ name: e.name, value: new RegExp(`^${escape(unfoldedValue(message, target))}$`) });
        if (e.value !== '') prepend.push(field(e.name, e.value));
        break;
      }
      case 'quarantine':
        hold = `milter ${milter}: ${e.reason}`;
        break;
    }
  }
  return { edits: { prepend, ...(removeWhere.length > 0 ? { removeWhere } : {}) }, ...(hold ? { hold } : {}) };
}

function field(name: string, value: string): string {
  // The milter's bytes, read as latin1 by the codec, back to text (UTF-8 in SMTPUTF8 mail); folds to CRLF.
  const text = Buffer.from(value, 'latin1').toString('utf8').replace(/\r?\n/g, '\r\n');
  // A line break must start a continuation line (RFC 5322 §2.2.3); anything else would inject a field or end the header.
  if (/\r\n(?![ \t])/.test(text) || /[\r\n]$/.test(text)) throw new Error(`milter asked for a ${name} field whose line breaks do not fold`);
  return `${name}: ${text.replace(/^[ \t]+/, '')}\r\n`;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
