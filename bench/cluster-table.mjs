#!/usr/bin/env node
// Markdown table of bench/cluster.mjs results: medians per target and
// concurrency, with the end-to-end rate relative to one PostgreSQL node and
// to Postfix. usage: node bench/cluster-table.mjs results.csv [more.csv ...]
import { readFileSync } from 'node:fs';

const rows = [];
for (const file of process.argv.slice(2)) {
  const [head, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const keys = head.split(',');
  for (const l of lines) rows.push(Object.fromEntries(l.split(',').map((v, i) => [keys[i], v])));
}
const median = (xs) => {
  const s = xs.filter((x) => x !== '' && !Number.isNaN(Number(x))).map(Number).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const order = ['postfix', 'baton-sqlite', 'baton-pg-1', 'baton-pg-2', 'baton-pg-3'];
const targets = [...new Set(rows.map((r) => r.target))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
const concs = [...new Set(rows.map((r) => Number(r.conc)))].sort((a, b) => a - b);
const cell = (t, c, k) => median(rows.filter((r) => r.target === t && Number(r.conc) === c).map((r) => r[k]));
const f = (x, d = 0) => (Number.isNaN(x) ? '-' : x.toFixed(d));

let out = `| target | c | accepted msgs/s | end-to-end msgs/s | vs 1 PG node | vs Postfix | MTA CPU s/1k | PostgreSQL CPU s/1k (server / our backends) | MTA + server CPU s/1k | machine busy | other processes' CPU s |\n|---|---|---|---|---|---|---|---|---|---|---|\n`;
for (const c of concs) {
  const pg1 = cell('baton-pg-1', c, 'e2e_mps');
  const pf = cell('postfix', c, 'e2e_mps');
  for (const t of targets) {
    const e2e = cell(t, c, 'e2e_mps');
    const ok = rows.filter((r) => r.target === t && Number(r.conc) === c).every((r) => r.e2e_ok === '1');
    out += `| ${t} | ${c} | ${f(cell(t, c, 'accept_mps'))} | ${f(e2e)}${ok ? '' : ' (!)'} | ${t.startsWith('baton-pg') ? `${f(e2e / pg1, 2)}x` : ''} | ${f(e2e / pf, 2)}x | ` +
      `${f(cell(t, c, 'mta_cpu_per_1k'), 2)} | ${t.startsWith('baton-pg') ? `${f(cell(t, c, 'pg_cpu_per_1k'), 2)} / ${f(cell(t, c, 'pg_backends_cpu_per_1k'), 2)}` : ''} | ${f(cell(t, c, 'total_cpu_per_1k'), 2)} | ${f(cell(t, c, 'sys_busy_pct'))}% | ${f(cell(t, c, 'others_cpu_s'), 1)} |\n`;
  }
}
out += `\n(!) = the sink did not count every message within the time limit. Medians over ${new Set(rows.map((r) => r.rep)).size} repetition(s).\n`;
process.stdout.write(out);
