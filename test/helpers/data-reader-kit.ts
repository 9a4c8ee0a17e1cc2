import { ContentScanner, type ContentProblem, type ContentRules } from '../../src/smtp/content-scanner.js';
import { DataReader } from '../../src/smtp/data-reader.js';

export type DataOutcome =
  | { readonly kind: 'open' }
  | {
      readonly kind: 'end' | 'smuggling';
      /** Offset in the whole stream just after the terminator. */
      readonly at: number;
      readonly message?: Buffer;
      readonly problem?: ContentProblem;
    };

/** Feed `wire` to a fresh DataReader in the chunks that `cuts` mark; report where and how it ended. */
export function readInChunks(wire: Buffer, cuts: readonly number[], rules: ContentRules): DataOutcome {
  const scanner = new ContentScanner(rules);
  const reader = new DataReader(scanner);
  const bounds = [0, ...cuts, wire.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const start = bounds[k] as number;
    const r = reader.feed(wire.subarray(start, bounds[k + 1]));
    if (!r.done) continue;
    const at = start + r.consumed;
    if ('smuggling' in r) return { kind: 'smuggling', at };
    const f = scanner.finish();
    return f.ok ? { kind: 'end', at, message: f.message } : { kind: 'end', at, problem: f.problem };
  }
  return { kind: 'open' };
}
