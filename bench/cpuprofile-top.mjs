#!/usr/bin/env node
// Top functions of V8 .cpuprofile files (from `node --cpu-prof`, e.g.
// `bash bench/run.sh --profile`): self and inclusive time, by function and
// source line, so hot spots can be cited as file:line.
//   node bench/cpuprofile-top.mjs FILE.cpuprofile [...] [--top N] [--filter TEXT]
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { fileURLToPath } from 'node:url';
import { relative, resolve, dirname } from 'node:path';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const maps = new Map();
/** dist/*.js position -> src/*.ts:line through the compiler's source map (when there is one). */
function original(url, line, col) {
  if (!url.startsWith('file://')) return undefined;
  const js = fileURLToPath(url);
  if (!maps.has(js)) {
    const mapFile = `${js}.map`;
    maps.set(js, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : null);
  }
  const map = maps.get(js);
  const e = map?.findEntry(line, col);
  if (!e || !e.originalSource) return undefined;
  const src = resolve(dirname(js), e.originalSource.replace(/^file:\/\//, ''));
  return `${relative(repo, src)}:${e.originalLine + 1}`;
}

const args = process.argv.slice(2);
let top = 30;
let filter = '';
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--filter') filter = args[++i] ?? '';
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: cpuprofile-top.mjs FILE.cpuprofile [...] [--top N] [--filter TEXT]');
  process.exit(2);
}

const self = new Map();
const incl = new Map();
let total = 0;
for (const file of files) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample time deltas are in microseconds; sample i lasted timeDeltas[i + 1].
  const dt = new Map();
  for (let i = 0; i < prof.samples.length; i++) {
    const d = (prof.timeDeltas[i + 1] ?? 0) / 1000;
    dt.set(prof.samples[i], (dt.get(prof.samples[i]) ?? 0) + d);
    total += d;
  }
  const key = (n) => {
    const f = n.callFrame;
    const where = original(f.url, f.lineNumber, f.columnNumber) ?? (f.url ? `${f.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '')}:${f.lineNumber + 1}` : '');
    return `${f.functionName || '(anonymous)'} ${where}`.trim();
  };
  for (const [id, ms] of dt) {
    const n = byId.get(id);
    self.set(key(n), (self.get(key(n)) ?? 0) + ms);
    // Inclusive: count each distinct function once per stack.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = key(byId.get(cur));
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + ms);
    }
  }
}

const show = (title, m) => {
  console.log(`\n${title} (total ${total.toFixed(0)} ms sampled)`);
  const rows = [...m].filter(([k]) => k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, ms] of rows) console.log(`${((100 * ms) / total).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${k}`);
};
show('self time', self);
show('inclusive time', incl);
