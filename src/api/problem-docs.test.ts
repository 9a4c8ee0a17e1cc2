import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { PROBLEMS } from './problem.js';

// dist/src/api/ and src/api/ are both three levels below the repository.
const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'api.md');

/** Rows of the "## Errors" table: | `type` | status | meaning |. */
function documentedProblems(): Map<string, number> {
  const doc = readFileSync(DOC, 'utf8');
  const start = doc.indexOf('\n## Errors');
  const end = doc.indexOf('\n## ', start + 1);
  assert.ok(start > 0 && end > start, 'docs/api.md has a "## Errors" section');
  const rows = new Map<string, number>();
  for (const line of doc.slice(start, end).split('\n')) {
    const m = /^\| `([a-z-]+)` \| (\d{3}) \|/.exec(line);
    if (m) rows.set(m[1] as string, Number(m[2]));
  }
  return rows;
}

test('docs/api.md lists every problem type with its status, and only those', () => {
  const rows = documentedProblems();
  for (const [kind, { status }] of Object.entries(PROBLEMS)) assert.equal(rows.get(kind), status, `the row of ${kind}`);
  assert.deepEqual([...rows.keys()].filter((k) => !(k in PROBLEMS)), [], 'rows for types problem.ts does not have');
  assert.equal(rows.size, Object.keys(PROBLEMS).length);
});
