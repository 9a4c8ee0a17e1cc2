#!/usr/bin/env node
// A/B of two Baton builds on the headline cell (10 KiB, c=20 and c=100):
//
//   smtp-source -> Baton A or B on 127.0.0.1 -> smtp-sink on 127.0.0.1   (loopback only)
//
// The builds take turns, round after round, so the noise of a shared 2-core
// host falls on both alike; the figures are the medians over rounds of CPU per
// message (the Baton process's utime+stime from /proc, all its threads) and the
// end-to-end rate (messages / time until the sink has counted them all).
//
// usage: node bench/ab-builds.mjs REPO_A REPO_B [--rounds 3] [--msgs 3000]
//          [--conc "20 100"] [--size 10240] [--extra-b FILE.yaml] [--extra-a FILE.yaml]
//          [--warmup 4000]
// Each REPO needs a built dist/ (npm run build). --extra-* is YAML merged into that
// side's config (e.g. an `api` section and a webhook receiver): how the cost of a
// feature that is off by default is measured. Run as root (smtp-sink -u nobody).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const [repoA, repoB] = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')).map((r) => resolve(r));
if (!repoA || !repoB) {
  console.error('usage: node bench/ab-builds.mjs REPO_A REPO_B [--rounds N] [--msgs N] [--conc "20 100"] [--size BYTES] [--extra-a F] [--extra-b F]');
  process.exit(2);
}
const rounds = Number(opt('rounds', '3'));
const msgs = Number(opt('msgs', '3000'));
const concs = opt('conc', '20 100').split(/\s+/).map(Number);
const size = Number(opt('size', '10240'));
const warmup = Number(opt('warmup', '4000'));
const extra = { A: opt('extra-a'), B: opt('extra-b') };
const PORT = 25264;
const SINK = 26264;
const TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim() || 100);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

async function waitPort(port, child, ms = 15000) {
  const { connect } = await import('node:net');
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`baton exited (${child.exitCode})`);
    const ok = await new Promise((r) => {
      const s = connect(port, '127.0.0.1', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listens on ${port}`);
}

/** smtp-sink with -c prints running counts; the last "mesg=N" is how many it took. */
function startSink() {
  const child = spawn('smtp-sink', ['-c', '-u', 'nobody', `127.0.0.1:${SINK}`, '1024'], { stdio: ['ignore', 'pipe', 'ignore'] });
  let tail = '';
  child.stdout.on('data', (d) => (tail = (tail + d.toString()).slice(-200)));
  return {
    count: () => Number([...tail.matchAll(/mesg=(\d+)/g)].at(-1)?.[1] ?? 0),
    stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))),
  };
}

function startBaton(repo, side) {
  const dir = mkdtempSync(join(tmpdir(), `baton-ab-${side}-`));
  const base = {
    hostname: 'baton-ab.localdomain',
    dataDir: join(dir, 'data'),
    listeners: [{ address: `127.0.0.1:${PORT}`, role: 'mx' }],
    relay: { trustedNetworks: ['127.0.0.0/8'] },
    routes: [{ domains: ['*'], smarthost: `127.0.0.1:${SINK}`, tls: 'none' }],
    limits: { connectionsPerClient: 10000, maxConnections: 10000 },
    log: { level: 'warn' },
  };
  const config = extra[side] ? { ...base, ...parse(readFileSync(extra[side], 'utf8')) } : base;
  writeFileSync(join(dir, 'baton.yaml'), stringify(config));
  const child = spawn(process.execPath, [join(repo, 'dist/src/cli/baton.js'), 'start', '--config', join(dir, 'baton.yaml')], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let log = '';
  child.stderr.on('data', (d) => (log = (log + d.toString()).slice(-4000)));
  return { child, dir, log: () => log };
}

async function send(n, c, sink, base) {
  const t0 = process.hrtime.bigint();
  const src = spawnSync('smtp-source', ['-c', '-s', String(c), '-m', String(n), '-l', String(size), '-f', 'ab@example.test', '-t', 'ab@example.net', `127.0.0.1:${PORT}`], { stdio: 'ignore' });
  if (src.status !== 0) throw new Error(`smtp-source failed (${src.status})`);
  const end = Date.now() + 120000;
  while (sink.count() < base + n) {
    if (Date.now() > end) throw new Error(`sink has ${sink.count() - base} of ${n} after 120 s`);
    await sleep(20);
  }
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function round(repo, side) {
  const sink = startSink();
  await sleep(300);
  const b = startBaton(repo, side);
  const out = {};
  try {
    await waitPort(PORT, b.child);
    let seen = 0;
    if (warmup > 0) {
      await send(warmup, 20, sink, seen);
      seen += warmup;
    }
    for (const c of concs) {
      const cpu0 = cpuSeconds(b.child.pid);
      const secs = await send(msgs, c, sink, seen);
      seen += msgs;
      const cpu = cpuSeconds(b.child.pid) - cpu0;
      out[c] = { rate: msgs / secs, cpuMsPerMsg: (cpu * 1000) / msgs };
    }
  } catch (err) {
    console.error(`${side}: ${err.message}\n${b.log()}`);
    throw err;
  } finally {
    process.kill(-b.child.pid, 'SIGTERM');
    await new Promise((r) => (b.child.exitCode !== null ? r() : b.child.once('exit', r)));
    await sink.stop();
    rmSync(b.dir, { recursive: true, force: true });
  }
  return out;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { A: [], B: [] };
for (let r = 0; r < rounds; r++) {
  for (const side of r % 2 === 0 ? ['A', 'B'] : ['B', 'A']) {
    const res = await round(side === 'A' ? repoA : repoB, side);
    results[side].push(res);
    console.log(`round ${r + 1} ${side}: ${concs.map((c) => `c=${c} ${res[c].rate.toFixed(0)}/s ${res[c].cpuMsPerMsg.toFixed(3)} ms CPU/msg`).join('  ')}`);
  }
}
console.log(`\nmedians over ${rounds} rounds, ${msgs} messages of ${size} bytes per cell (A=${repoA}${extra.A ? ` + ${extra.A}` : ''}, B=${repoB}${extra.B ? ` + ${extra.B}` : ''})`);
for (const c of concs) {
  const m = (side, k) => median(results[side].map((x) => x[c][k]));
  const [ra, rb, ca, cb] = [m('A', 'rate'), m('B', 'rate'), m('A', 'cpuMsPerMsg'), m('B', 'cpuMsPerMsg')];
  console.log(`c=${c}: rate A ${ra.toFixed(0)}/s B ${rb.toFixed(0)}/s (B/A ${(rb / ra).toFixed(3)}); CPU/msg A ${ca.toFixed(3)} ms B ${cb.toFixed(3)} ms (B/A ${(cb / ca).toFixed(3)})`);
}
