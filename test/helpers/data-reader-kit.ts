import { ContentScanner, type ContentProblem, type ContentRules } from '../../src/smtp/content-scanner.js';
import { DataReader } from '../../src/smtp/data-reader.js';
import { formatProblem, type FormatProblem } from '../../src/smtp/policy/checks/index.js';

/**
 * The scanner's rules plus whether 8-bit content was declared: what the
 * session and its `message-format` check apply together to message content.
 */
export interface DataRules extends ContentRules {
  readonly allow8bit: boolean;
}

/** A problem that stops collecting (scanner), or the first one the message-format check refuses. */
export type DataProblem = ContentProblem | FormatProblem;

export type DataOutcome =
  | { readonly kind: 'open' }
  | {
      readonly kind: 'end' | 'smuggling';
      /** Offset in the whole stream just after the terminator. */
      readonly at: number;
      readonly message?: Buffer;
      readonly problem?: DataProblem;
    };

/** The verdict on content a scanner collected: the message, or the problem the session answers. */
export function verdictOf(scanner: ContentScanner, allow8bit: boolean): { message: Buffer } | { problem: DataProblem } {
  const f = scanner.finish();
  if (!f.ok) return { problem: f.problem };
  const problem = formatProblem(f.facts, allow8bit ? { body: '8BITMIME' } : {});
  return problem ? { problem } : { message: f.message };
}

/** Feed `wire` to a fresh DataReader in the chunks that `cuts` mark; report where and how it ended. */
export function readInChunks(wire: Buffer, cuts: readonly number[], rules: DataRules): DataOutcome {
  const scanner = new ContentScanner(rules);
  const reader = new DataReader(scanner);
  const bounds = [0, ...cuts, wire.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const start = bounds[k] as number;
    const r = reader.feed(wire.subarray(start, bounds[k + 1]));
    if (!r.done) continue;
    const at = start + r.consumed;
    if ('smuggling' in r) return { kind: 'smuggling', at };
    return { kind: 'end', at, ...verdictOf(scanner, rules.allow8bit) };
  }
  return { kind: 'open' };
}
