#!/usr/bin/env node
// End-to-end rate of bulk mail (X-Baton-Stream: bulk, List-Unsubscribe added per
// recipient, a VERP return path) against plain mail through the same Baton: Postfix's smtp-source
// (trusted loopback client, -F message file) -> Baton -> Postfix's smtp-sink.
// Each run is timed from the first connection until Baton's queue is empty, and
// Baton's own CPU time (all threads, /proc) is divided by the messages.
// BATON_NODE_OPTS: extra node flags for Baton (e.g. "--cpu-prof --cpu-prof-dir=DIR").
//   npm run build && node bench/bulk-vs-plain.mjs [--messages N] [--concurrency C] [--reps R] [--size KiB] [--aa] [--no-verp] [--no-unsubscribe]
// --aa sends plain mail in both columns: the spread this machine gives two equal runs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const messages = arg('messages', 3000);
const concurrency = arg('concurrency', 20);
const reps = arg('reps', 2);
const sizeKiB = arg('size', 10);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(join(tmpdir(), 'baton-bulk-bench-'));

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
const [mx, sinkPort] = [await freePort(), await freePort()];

const line = 'x'.repeat(76);
const head = 'From: News <news@news.test>\nTo: bob@remote.test\nSubject: bench\nMIME-Version: 1.0\nContent-Type: text/plain\n';
const body = `\n${`${line}\n`.repeat(Math.ceil((sizeKiB * 1024) / 78))}`;
writeFileSync(join(dir, 'plain.txt'), head + body);
// --header-only: X-Baton-Stream: transactional, to tell intake's removal of the field from the outbound transform.
const second = process.argv.includes('--aa') ? '' : process.argv.includes('--header-only') ? 'X-Baton-Stream: transactional\n' : 'X-Baton-Stream: bulk\n';
writeFileSync(join(dir, 'bulk.txt'), `${second}${head}${body}`);
writeFileSync(
  join(dir, 'baton.yaml'),
  [
    'hostname: baton.bench',
    `dataDir: ${dir}`,
    'listeners:',
    `  - { address: "127.0.0.1:${mx}", role: mx }`,
    'relayDomains: [remote.test]',
    'routes:',
    `  - { domains: ["*"], smarthost: "127.0.0.1:${sinkPort}", tls: none }`,
    // --no-unsubscribe: bulk mail without the transform (what the stream alone costs).
    ...(process.argv.includes('--no-unsubscribe')
      ? ['bulk: { requireUnsubscribe: false }']
      : ['unsubscribe:', '  baseUrl: https://unsub.news.test', '  secrets: [{ id: k1, secret: "a bench secret, long enough" }]', '  mailtoDomain: unsub.test']),
    // The VERP return path of bulk mail (bounces.verp.bulk is on by default); --no-verp leaves it out.
    ...(process.argv.includes('--no-verp') ? [] : ['bounces:', '  domain: bounces.news.test', '  secrets: [{ id: k1, secret: "another bench secret, long enough" }]']),
    'log: { level: warn }',
    '',
  ].join('\n'),
);

const sink = spawn('smtp-sink', [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), `127.0.0.1:${sinkPort}`, '1000'], { stdio: 'ignore' });
const nodeOpts = (process.env.BATON_NODE_OPTS ?? '').split(' ').filter((o) => o !== '');
const baton = spawn(process.execPath, [...nodeOpts, join(repo, 'dist/src/cli/baton.js'), 'start', '--config', join(dir, 'baton.yaml')], { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = () => {
  baton.kill('SIGTERM');
  sink.kill('SIGTERM');
};
process.on('exit', stop);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < 200 && spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${mx}`]).status !== 0; i++) await sleep(50);

const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString()) || 100;
const cpuSeconds = () => {
  const f = readFileSync(`/proc/${baton.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / ticks; // utime + stime of all threads
};
const queued = () => {
  const db = new Database(join(dir, 'queue.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT count(*) AS n FROM messages').get().n;
  } finally {
    db.close();
  }
};

async function run(file, n) {
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  const r = spawnSync('smtp-source', ['-s', String(concurrency), '-m', String(n), '-f', 'news@news.test', '-t', 'bob@remote.test', '-F', join(dir, file), `127.0.0.1:${mx}`]);
  if (r.status !== 0) throw new Error(`smtp-source failed: ${r.stderr}`);
  while (queued() > 0) await sleep(20);
  const seconds = (performance.now() - t0) / 1000;
  return { rate: n / seconds, cpuMs: ((cpuSeconds() - cpu0) * 1000) / n };
}

await run('plain.txt', 3000); // warm-up: V8 compiles the hot paths
await run('bulk.txt', 1000);
const results = { plain: [], bulk: [] };
for (let rep = 0; rep < reps; rep++) {
  for (const kind of rep % 2 === 0 ? ['plain', 'bulk'] : ['bulk', 'plain']) results[kind].push(await run(`${kind}.txt`, messages));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const kind of ['plain', 'bulk']) {
  const rs = results[kind];
  console.log(`${kind.padEnd(6)} ${sizeKiB} KiB c=${concurrency}: e2e ${rs.map((r) => r.rate.toFixed(0)).join(', ')} msgs/s (median ${median(rs.map((r) => r.rate)).toFixed(0)}); Baton CPU ${rs.map((r) => r.cpuMs.toFixed(3)).join(', ')} ms/msg`);
}
const ratio = median(results.bulk.map((r) => r.rate)) / median(results.plain.map((r) => r.rate));
// Each repetition's two runs are back to back: their ratio cancels most of the drift of a shared machine.
const paired = median(results.bulk.map((r, i) => r.rate / results.plain[i].rate));
console.log(`bulk / plain end-to-end rate: ${ratio.toFixed(3)} (ratio of medians), ${paired.toFixed(3)} (median of the ${reps} paired ratios)`);
stop();
