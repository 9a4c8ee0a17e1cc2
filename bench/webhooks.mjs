#!/usr/bin/env node
// The SMTP headline cell with and without a webhook endpoint subscribed to every
// event (issue 11: within 10%). Postfix's smtp-source (trusted loopback client)
// -> Baton -> Postfix's smtp-sink, one Baton process; a node:http receiver in
// this process answers every POST 200 and verifies nothing (a busy, fast
// receiver). The endpoint is switched with `baton webhook enable|disable`
// between runs, so both columns run in the same process, alternating.
// Rate: messages / time until the queue is empty. CPU: Baton's own (all
// threads, /proc) until the queue is empty AND, with webhooks, until the
// receiver has every event: all the webhook work is counted.
//   npm run build && node bench/webhooks.mjs [--messages N] [--concurrency C] [--reps R] [--size KiB]
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as httpServer } from 'node:http';
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
const dir = mkdtempSync(join(tmpdir(), 'baton-webhooks-bench-'));

const freePort = () =>
  new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
const [mx, sinkPort] = [await freePort(), await freePort()];

// The receiver: counts events and remembers the newest id it got.
let received = 0;
let newestReceived = 0;
let posts = 0;
const receiver = httpServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const { events } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    posts++;
    received += events.length;
    newestReceived = Math.max(newestReceived, events.at(-1)?.id ?? 0);
    res.writeHead(200).end();
  });
});
await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
const hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;

const line = 'x'.repeat(76);
writeFileSync(join(dir, 'msg.txt'), `From: a@bench.test\nTo: bob@remote.test\nSubject: bench\n\n${`${line}\n`.repeat(Math.ceil((sizeKiB * 1024) / 78))}`);
const config = join(dir, 'baton.yaml');
writeFileSync(
  config,
  [
    'hostname: baton.bench',
    `dataDir: ${dir}`,
    'listeners:',
    `  - { address: "127.0.0.1:${mx}", role: mx }`,
    'routes:',
    `  - { domains: ["*"], smarthost: "127.0.0.1:${sinkPort}", tls: none }`,
    'log: { level: warn }',
    '',
  ].join('\n'),
);

const sink = spawn('smtp-sink', [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), `127.0.0.1:${sinkPort}`, '1000'], { stdio: 'ignore' });
const baton = spawn(process.execPath, [join(repo, 'dist/src/cli/baton.js'), 'start', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
const stop = () => {
  baton.kill('SIGTERM');
  sink.kill('SIGTERM');
};
process.on('exit', stop);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; i < 200 && spawnSync('bash', ['-c', `exec 3<>/dev/tcp/127.0.0.1/${mx}`]).status !== 0; i++) await sleep(50);

const cli = (...args) => {
  const r = spawnSync(process.execPath, [join(repo, 'dist/src/cli/baton.js'), 'webhook', ...args, '--config', config], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`baton webhook ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const hook = JSON.parse(cli('add', hookUrl, '--json')).id;

const ticks = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString()) || 100;
const cpuSeconds = () => {
  const f = readFileSync(`/proc/${baton.pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / ticks;
};
const db = () => new Database(join(dir, 'queue.db'), { readonly: true, fileMustExist: true });
const query = (sql) => {
  const d = db();
  try {
    return d.prepare(sql).pluck().get();
  } finally {
    d.close();
  }
};

async function run(withWebhooks, n) {
  // The deliverer sees an enable within its 1 s poll: wait a little more so the run starts with it in force.
  // Skip the events of earlier runs (a disabled endpoint keeps its cursor): each run's webhook work is its own.
  cli('replay', hook, '--from', new Date().toISOString());
  cli(withWebhooks ? 'enable' : 'disable', hook);
  await sleep(1200);
  const [cpu0, posts0, events0] = [cpuSeconds(), posts, received];
  const t0 = performance.now();
  // Not spawnSync: the receiver lives in this process and must answer meanwhile.
  const source = spawn('smtp-source', ['-s', String(concurrency), '-m', String(n), '-f', 'a@bench.test', '-t', 'bob@remote.test', '-F', join(dir, 'msg.txt'), `127.0.0.1:${mx}`], { stdio: 'ignore' });
  const code = await new Promise((r) => source.once('exit', r));
  if (code !== 0) throw new Error(`smtp-source failed (${code})`);
  while (query('SELECT count(*) FROM messages') > 0) await sleep(20);
  const seconds = (performance.now() - t0) / 1000;
  let catchUpMs = 0;
  if (withWebhooks) {
    const newest = query('SELECT MAX(id) FROM events');
    const t1 = performance.now();
    while (newestReceived < newest) await sleep(20);
    catchUpMs = performance.now() - t1;
  }
  return { rate: n / seconds, cpuMs: ((cpuSeconds() - cpu0) * 1000) / n, posts: posts - posts0, events: received - events0, catchUpMs };
}

await run(false, 3000); // warm-up: V8 compiles the hot paths
await run(true, 1000);
const results = { without: [], with: [] };
for (let rep = 0; rep < reps; rep++) {
  for (const kind of rep % 2 === 0 ? ['without', 'with'] : ['with', 'without']) results[kind].push(await run(kind === 'with', messages));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const kind of ['without', 'with']) {
  const rs = results[kind];
  const extra = kind === 'with' ? `; ${rs.map((r) => `${r.events} events in ${r.posts} POSTs, caught up ${r.catchUpMs.toFixed(0)} ms after the queue emptied`).join('; ')}` : '';
  console.log(`${kind.padEnd(7)} webhooks ${sizeKiB} KiB c=${concurrency}: ${rs.map((r) => r.rate.toFixed(0)).join(', ')} msgs/s (median ${median(rs.map((r) => r.rate)).toFixed(0)}); Baton CPU ${rs.map((r) => r.cpuMs.toFixed(3)).join(', ')} ms/msg${extra}`);
}
const paired = (f) => median(results.with.map((r, i) => f(r) / f(results.without[i])));
console.log(`with / without: rate ${paired((r) => r.rate).toFixed(3)}, CPU per message ${paired((r) => r.cpuMs).toFixed(3)} (medians of the ${reps} paired ratios)`);
stop();
receiver.close();
process.exit(0);
