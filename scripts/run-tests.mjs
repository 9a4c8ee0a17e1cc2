#!/usr/bin/env node
// Runs every compiled test file (dist/src/**, dist/test/**) with node's own test
// runner. Node 20's `node --test` does not take globs, so the files are listed
// explicitly. `npm test -- accept` runs only files whose path contains "accept".
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('-'));

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.isFile() && entry.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const all = [...walk(join(root, 'dist', 'src'), []), ...walk(join(root, 'dist', 'test'), [])]
  .map((p) => relative(root, p))
  .sort();
const files = filters.length === 0 ? all : all.filter((f) => filters.some((x) => f.includes(x)));

if (files.length === 0) {
  console.error(`run-tests: no test files${filters.length ? ` matching ${filters.join(', ')}` : ''} under dist/ (did the build run?)`);
  process.exit(1);
}

const args = ['--test', '--test-concurrency=2', ...passThrough, ...files];
const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
