import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// This file runs as dist/test/helpers/report-fixtures.js: the worktree is three levels up.
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * A report from test/fixtures/reports (real formats: a Postfix DSN, a Yahoo
 * feedback report, qmail and Exim bounces) with its {{PLACEHOLDERS}} filled
 * in, CRLF line ends as on the wire. A line that is only a placeholder given
 * as "" is left out (an optional field). Unfilled placeholders throw: a
 * fixture and its test must agree.
 */
export function reportFixture(name: string, values: Readonly<Record<string, string>>): Buffer {
  const raw = readFileSync(join(ROOT, 'test', 'fixtures', 'reports', name), 'utf8');
  const lines: string[] = [];
  for (const line of raw.split('\n')) {
    const only = /^\{\{([A-Z_]+)\}\}$/.exec(line);
    if (only && values[only[1] as string] === '') continue;
    lines.push(
      line.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`fixture ${name}: no value for {{${key}}}`);
        return v;
      }),
    );
  }
  return Buffer.from(lines.join('\r\n'));
}
