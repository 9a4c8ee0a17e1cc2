// Process accounting and small process helpers for bench/cluster.mjs.
// CPU is read from /proc/PID/stat (proc(5)): utime, stime, cutime, cstime
// (fields 14-17) in clock ticks; children that exited and were reaped are in
// their parent's cutime/cstime, so a tree's sum covers short-lived workers too
// (Postfix's smtpd/cleanup/smtp, PostgreSQL's backends under the postmaster).
import { spawn, execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

export const HZ = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Every process: pid -> { ppid, comm, ticks } (ticks = utime+stime+cutime+cstime). */
export function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'latin1');
    } catch {
      continue; // gone while we read
    }
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const f = stat.slice(close + 2).split(' ');
    // f[0] is field 3 (state): utime is field 14 -> f[11].
    table.set(Number(name), {
      ppid: Number(f[1]),
      comm: stat.slice(open + 1, close),
      ticks: Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]),
    });
  }
  return table;
}

/** CPU seconds of the trees rooted at `roots` (each process counted once). */
export function treeCpu(roots, table = processTable()) {
  const inTree = new Set(roots.filter((r) => table.has(r)));
  let changed = true;
  while (changed) {
    changed = false;
    for (const [pid, p] of table) {
      if (!inTree.has(pid) && inTree.has(p.ppid)) {
        inTree.add(pid);
        changed = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of inTree) ticks += table.get(pid).ticks;
  return ticks / HZ;
}

/** CPU seconds of every `postgres` process (the server's own CPU; its reaped backends are in the postmaster's cutime). */
export function postgresCpu(table = processTable()) {
  let ticks = 0;
  for (const p of table.values()) if (p.comm === 'postgres' || p.comm.startsWith('postgres')) ticks += p.ticks;
  return ticks / HZ;
}

/** Whole-machine busy and total jiffies (/proc/stat "cpu" line). */
export function machineJiffies() {
  const f = readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
  return { busy, total: busy + f[3] + f[4] };
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function canConnect(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(1000, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export async function waitListening(port, what, timeoutMs = 30_000, child) {
  const until = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (child && child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode}) before listening on ${port}`);
    if (Date.now() > until) throw new Error(`${what} did not listen on ${port} within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * smtp-sink with -c (running counters on stdout); `count()` is the messages
 * it has received so far. Run as nobody when we are root (it refuses root).
 */
export async function startCountingSink(port) {
  const root = process.getuid?.() === 0;
  const child = spawn('smtp-sink', [...(root ? ['-u', 'nobody'] : []), '-c', `127.0.0.1:${port}`, '1024'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  let last = 0;
  child.stdout.on('data', (d) => {
    tail = (tail + d.toString('latin1')).slice(-400);
    const all = [...tail.matchAll(/mesg=(\d+)/g)];
    if (all.length > 0) last = Number(all[all.length - 1][1]);
  });
  await waitListening(port, 'smtp-sink', 10_000, child);
  return {
    pid: child.pid,
    count: () => last,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    },
  };
}

/** Run a command to its end; resolves with { code, out }. */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let out = '';
    c.stdout.on('data', (d) => (out += d));
    c.stderr.on('data', (d) => (out += d));
    c.once('error', reject);
    c.once('close', (code) => resolve({ code, out }));
  });
}

/** Split `total` into `parts` near-equal integers (the first ones get the remainder). */
export function split(total, parts) {
  return Array.from({ length: parts }, (_, i) => Math.floor(total / parts) + (i < total % parts ? 1 : 0));
}
