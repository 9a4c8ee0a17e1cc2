import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfig } from './index.js';
import { EMBEDDED_DEFAULT } from './load.js';
import { configSchema } from './schema.js';

/**
 * docs/configuration.md must not drift from the schema: every ```yaml block is a
 * valid configuration, every schema key has a row in the reference, every row
 * names a real key, and every default written as a code span is the schema's.
 */

// dist/src/config/docs.test.js and src/config/docs.test.ts are both three levels down.
const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'configuration.md');
const BASE = '/srv/baton';

function readDoc(): string {
  return readFileSync(DOC, 'utf8');
}

interface YamlBlock {
  readonly line: number;
  readonly text: string;
  /** The HTML comment directly above the fence, if any. */
  readonly marker: string | undefined;
}

function yamlBlocks(doc: string): YamlBlock[] {
  const lines = doc.split('\n');
  const out: YamlBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```yaml') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    assert.ok(end > i, `unclosed yaml block at line ${i + 1}`);
    const above = lines[i - 1]?.trim() ?? '';
    out.push({ line: i + 1, text: lines.slice(i + 1, end).join('\n'), marker: above.startsWith('<!--') ? above : undefined });
    i = end;
  }
  return out;
}

/**
 * Rows of the key reference tables: | `path` | type | default | bounds | meaning |.
 * Other tables (paths, TLS policies) have fewer columns; a key row with a stray
 * "|" is skipped here and then reported missing by the coverage test.
 */
function referenceRows(doc: string): { path: string; defaultCell: string }[] {
  const start = doc.indexOf('\n## Key reference');
  const end = doc.indexOf('\n## ', start + 1);
  assert.ok(start > 0 && end > start, 'docs/configuration.md has a "## Key reference" section');
  const rows: { path: string; defaultCell: string }[] = [];
  for (const line of doc.slice(start, end).split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const key = /^`([A-Za-z0-9.[\]]+)`$/.exec(cells[1] ?? '');
    if (line.startsWith('|') && key && cells.length === 7) rows.push({ path: key[1] as string, defaultCell: cells[3] as string });
  }
  return rows;
}

type Node = { _zod: { def: Record<string, unknown> & { type: string } } };

/** Every leaf key of the schema as a dotted path, "[]" for list items. */
function schemaPaths(node: Node, prefix: string, out: string[]): string[] {
  const def = node._zod.def;
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
      return schemaPaths(def['innerType'] as Node, prefix, out);
    case 'object':
      for (const [k, v] of Object.entries(def['shape'] as Record<string, Node>)) schemaPaths(v, prefix ? `${prefix}.${k}` : k, out);
      return out;
    case 'array': {
      const element = def['element'] as Node;
      if (element._zod.def.type === 'object') return schemaPaths(element, `${prefix}[]`, out);
      out.push(prefix);
      return out;
    }
    default:
      out.push(prefix);
      return out;
  }
}

function getPath(o: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], o);
}

function setPath(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let out: unknown = value;
  for (let i = keys.length - 1; i >= 0; i--) out = { [keys[i] as string]: out };
  return out as Record<string, unknown>;
}

test('every yaml block in docs/configuration.md is a valid configuration', () => {
  const blocks = yamlBlocks(readDoc());
  // The embedded default and the three examples plus the LMTP variant, at least.
  assert.ok(blocks.length >= 5, `only ${blocks.length} yaml blocks found`);
  for (const b of blocks) {
    let raw: unknown;
    try {
      raw = parse(b.text, { uniqueKeys: true });
    } catch (err) {
      assert.fail(`docs/configuration.md:${b.line}: not YAML: ${(err as Error).message}`);
    }
    try {
      parseConfig(raw ?? {}, BASE);
    } catch (err) {
      assert.fail(`docs/configuration.md:${b.line}: ${(err as Error).message}`);
    }
  }
});

test('the documented embedded default is exactly what `baton start` without a file runs', () => {
  const marked = yamlBlocks(readDoc()).filter((b) => b.marker?.includes('equals-embedded-default'));
  assert.equal(marked.length, 1, 'one block marked equals-embedded-default');
  const block = marked[0] as YamlBlock;
  assert.deepEqual(parseConfig(parse(block.text), BASE), parseConfig(EMBEDDED_DEFAULT, BASE));
});

test('the key reference lists every schema key, and only schema keys', () => {
  const documented = new Set(referenceRows(readDoc()).map((r) => r.path));
  const schema = schemaPaths(configSchema as unknown as Node, '', []);
  assert.ok(schema.length > 50, `schema walk found only ${schema.length} keys`);
  const missing = schema.filter((p) => !documented.has(p));
  assert.deepEqual(missing, [], `keys without a row in docs/configuration.md: ${missing.join(', ')}`);
  const unknown = [...documented].filter((p) => !schema.includes(p));
  assert.deepEqual(unknown, [], `rows for keys the schema does not have: ${unknown.join(', ')}`);
});

test('defaults written as a code span in the reference are the schema defaults', () => {
  const defaults = parseConfig({}, BASE);
  let checked = 0;
  for (const { path, defaultCell } of referenceRows(readDoc())) {
    const code = /^`([^`]+)`$/.exec(defaultCell);
    if (!code || path.includes('[]')) continue;
    const value: unknown = parse(code[1] as string);
    let parsed: unknown;
    try {
      parsed = parseConfig(setPath(path, value), BASE);
    } catch (err) {
      assert.fail(`${path}: documented default ${defaultCell} is not valid: ${(err as Error).message}`);
    }
    assert.deepEqual(getPath(parsed, path), getPath(defaults, path), `${path}: documented default ${defaultCell}`);
    checked++;
  }
  assert.ok(checked >= 35, `only ${checked} defaults checked`);
});
