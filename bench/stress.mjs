#!/usr/bin/env node
// Resilience under attack (`npm run stress`; not part of `npm test`). Loopback only.
//
// Starts Baton from dist/ (a temp dataDir; mx, submission with STARTTLS and
// submissions with implicit TLS; relaying to Postfix's smtp-sink on loopback, as
// bench/run.sh does) and, from a child process, a load of about 1,000 concurrent
// connections: half hostile (pregreet talkers, byte-drip, junk commands, huge lines,
// half-open TLS on both TLS listeners, a connection flood), half honest but idle
// (EHLO then a NOOP now and then), plus `--senders` well-behaved clients that send
// `--messages` messages of `--size` bytes. The same senders first run alone (the
// baseline), then under the attack. Measured: the senders' 250s, rate and latency
// (p50/p99), connections held at peak, Baton's peak RSS (VmHWM), CPU time, its open
// file descriptors before, at the peak and after (they must come back: no leak),
// and that every message given a 250 reached the sink (nothing accepted is lost).
//
// Two variants, each on a fresh Baton: `trusted` (the senders connect from
// 127.0.0.1, a trusted network, like the relay benchmark's clients) and `untrusted`
// (from 127.0.9.x, paying the mx defences: pregreet's 1 s pause, the rate limits).
// Attackers come from 127.0.1.x-127.0.4.x, idle clients from 127.0.5.x-127.0.6.x;
// every address in 127.0.0.0/8 is on Linux's loopback.
//
//   npm run build && node bench/stress.mjs [--variant trusted|untrusted|both]
//     [--hostile 500] [--idle 480] [--senders 20] [--messages 400] [--size 10240]
//     [--json FILE]
// Needs: root or not, `smtp-sink` (Debian postfix), `openssl`, and an open-file limit
// of at least 2,500 for this process (each connection is a socket on both sides; Baton
// is started with `ulimit -n 8192`).
import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..');
// The attack runs in a child process of this script (`--attacker`), so that its
// thousands of sockets do not share an event loop with the senders being timed.
const ATTACKER = process.argv[2] === '--attacker';
const args = ATTACKER ? {} : parseArgs(process.argv.slice(2), {
  variant: 'both', hostile: 500, idle: 480, senders: 20, messages: 400, size: 10240, json: '',
  perConnection: 5,
});
const ATTACK_MAX_MS = 150_000; // the whole attack phase, ramp to teardown, is bounded
const SETTLE_MAX_MS = 30_000; // fds back to baseline, sink caught up

// ---------------------------------------------------------------- small helpers
function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
    if (!(key in out)) throw new Error(`unknown option ${argv[i]} (see the comment at the top of bench/stress.mjs)`);
    out[key] = typeof defaults[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return out;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const now = () => performance.now();
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}
function openFileLimit() {
  const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
  return Number(line.split(/\s+/)[3]);
}

// ------------------------------------------------------------ Baton's /proc figures
function procStatus(pid) {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm')) ?? [0, 0])[1]);
  return { rssKiB: kb('VmRSS'), hwmKiB: kb('VmHWM') };
}
function fdCount(pid) {
  return readdirSync(`/proc/${pid}/fd`).length;
}
/** What Baton's fds point at, counted by kind (socket, anon_inode:[eventpoll], a file...). */
function fdKinds(pid) {
  const kinds = {};
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target;
    try { target = readlinkSync(`/proc/${pid}/fd/${fd}`).replace(/:\[\d+\]$/, ''); } catch { continue; }
    kinds[target] = (kinds[target] ?? 0) + 1;
  }
  return kinds;
}
function fdDiff(before, after) {
  const d = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const n = (after[k] ?? 0) - (before[k] ?? 0);
    if (n) d[k] = n;
  }
  return d;
}
const CLK_TCK = 100; // Linux's USER_HZ
function cpuSeconds(pid) {
  // Fields 14 and 15 (utime, stime) after the parenthesised command name.
  const rest = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

// ------------------------------------------------------------------ the sink
/** Postfix smtp-sink, counting messages (`-c` prints mesg=N as they arrive). */
async function startSink(port) {
  const sinkArgs = ['-c', ...(process.getuid() === 0 ? ['-u', 'nobody'] : []), `127.0.0.1:${port}`, '1024'];
  const child = spawn('smtp-sink', sinkArgs, { stdio: ['ignore', 'pipe', 'pipe'] });
  let count = 0;
  let tail = '';
  child.stdout.on('data', (d) => {
    tail = (tail + d.toString('latin1')).slice(-400);
    const all = [...tail.matchAll(/mesg=(\d+)/g)];
    if (all.length) count = Number(all[all.length - 1][1]);
  });
  child.stderr.on('data', (d) => process.stderr.write(`smtp-sink: ${d}`));
  await waitForPort(port, child);
  return { child, count: () => count };
}
async function waitForPort(port, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`${child.spawnfile} exited with ${child.exitCode}`);
    const ok = await new Promise((r) => {
      const s = net.connect({ port, host: '127.0.0.1' }, () => { s.destroy(); r(true); });
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`nothing listened on 127.0.0.1:${port} within 10 s`);
}

// ------------------------------------------------------------------ Baton
const MX_CHECKS_NO_DNS = [
  // The default mx list minus mail-auth: it needs DNS (SPF, DKIM, DMARC), and a
  // loopback-only run has none. Its cost is measured by bench/mail-auth.mjs.
  'connection-rate', 'pregreet', 'message-rate', 'recipient-rate', 'auth-failures', 'report-addresses',
  'sender-ownership', 'relay-access', 'local-recipients', 'message-format', 'hop-limit', 'dnsbl', 'helo',
];
async function startBaton(dir, ports) {
  const config = {
    hostname: 'baton-stress.localdomain',
    dataDir: join(dir, 'data'),
    listeners: [
      { address: `127.0.0.1:${ports.mx}`, role: 'mx' },
      { address: `127.0.0.1:${ports.submission}`, role: 'submission' },
      { address: `127.0.0.1:${ports.submissions}`, role: 'submissions' },
    ],
    relayDomains: ['sink.example'],
    // Only the trusted variant's senders (127.0.0.1) are trusted; every other
    // loopback address plays a stranger.
    relay: { trustedNetworks: ['127.0.0.1/32'] },
    routes: [{ domains: ['*'], smarthost: `127.0.0.1:${ports.sink}`, tls: 'none' }],
    checks: { mx: MX_CHECKS_NO_DNS },
    dns: { servers: ['127.0.0.1:9'], timeout: '200ms' },
    log: { level: 'warn' },
  };
  const file = join(dir, 'baton.yaml');
  writeFileSync(file, JSON.stringify(config, null, 2)); // JSON is YAML
  // Baton's limits (1,000 sessions + 200 waiting) need more than a common 1,024 fds.
  const child = spawn('sh', ['-c', `ulimit -n 8192 2>/dev/null; exec node "$0" start --config "$1"`,
    join(REPO, 'dist/src/cli/baton.js'), file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (d) => { log = (log + d).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  try {
    await waitForPort(ports.mx, child);
  } catch (e) {
    throw new Error(`${e.message}\n${log}`);
  }
  return { child, pid: child.pid, log: () => log };
}
async function stopBaton(baton) {
  if (baton.child.exitCode !== null) return;
  baton.child.kill('SIGTERM');
  await Promise.race([new Promise((r) => baton.child.once('exit', r)), sleep(15_000)]);
  if (baton.child.exitCode === null) baton.child.kill('SIGKILL');
}

// ----------------------------------------------------------- a small SMTP client
/** One connection's reply reader: resolves whole replies (RFC 5321 §4.2: last line "NNN "). */
function smtpConnection(opts) {
  const socket = net.connect(opts);
  socket.setNoDelay(true);
  let buf = '';
  let lines = [];
  const waiting = [];
  const replies = [];
  let closed = false;
  let error = null;
  const deliver = () => {
    while (waiting.length && (replies.length || closed)) waiting.shift()(replies.shift() ?? null);
  };
  socket.on('data', (d) => {
    buf += d.toString('latin1');
    let i;
    while ((i = buf.indexOf('\r\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 2);
      lines.push(line);
      if (line[3] !== '-') {
        replies.push({ code: Number(line.slice(0, 3)), text: lines.join('\n') });
        lines = [];
      }
    }
    deliver();
  });
  socket.on('error', (e) => { error = e; });
  socket.on('close', () => { closed = true; deliver(); });
  return {
    socket,
    get closed() { return closed; },
    get error() { return error; },
    /** The next reply, or null if the connection closed first. */
    reply: () => new Promise((r) => { waiting.push(r); deliver(); }),
    send: (s) => { if (!closed) socket.write(s); },
  };
}

// ------------------------------------------------------------- well-behaved senders
function messageBody(size, id) {
  const head = `From: <good@client.example>\r\nTo: <rcpt@sink.example>\r\nSubject: stress ${id}\r\nMessage-ID: <${id}@client.example>\r\nDate: ${new Date().toUTCString()}\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuv\r\n';
  let body = '';
  while (head.length + body.length < size) body += line;
  return head + body.slice(0, Math.max(0, size - head.length - 2)) + '\r\n.\r\n';
}

/**
 * `senders` clients, each from its own address, send `messages` messages in all,
 * `perConnection` per connection (MAIL, RCPT, DATA; then QUIT and reconnect).
 * Latency: MAIL written → 250 after the final dot.
 */
async function runSenders({ port, senderAddress, senders, messages, size, perConnection, tag }) {
  let next = 0;
  const latencies = [];
  const refusals = {};
  let accepted = 0;
  const refuse = (what) => { refusals[what] = (refusals[what] ?? 0) + 1; };
  const body = messageBody(size, 'x'); // same size for all; the id in the header differs below
  const started = now();
  async function oneSender(k) {
    while (next < messages) {
      const c = smtpConnection({ port, host: '127.0.0.1', localAddress: senderAddress(k) });
      try {
        const greet = await c.reply();
        if (greet?.code !== 220) { refuse(`greeting ${greet?.code ?? 'closed'}`); c.socket.destroy(); await sleep(200); continue; }
        c.send(`EHLO sender${k}.client.example\r\n`);
        if ((await c.reply())?.code !== 250) { refuse('ehlo'); c.socket.destroy(); continue; }
        for (let m = 0; m < perConnection && next < messages; m++) {
          const id = `${tag}-${next++}`;
          const t0 = now();
          c.send(`MAIL FROM:<good${k}@client.example>\r\n`);
          const mail = await c.reply();
          if (mail?.code !== 250) { refuse(`MAIL ${mail?.code ?? 'closed'}`); break; }
          c.send('RCPT TO:<rcpt@sink.example>\r\n');
          const rcpt = await c.reply();
          if (rcpt?.code !== 250) { refuse(`RCPT ${rcpt?.code ?? 'closed'}`); c.send('RSET\r\n'); await c.reply(); continue; }
          c.send('DATA\r\n');
          const data = await c.reply();
          if (data?.code !== 354) { refuse(`DATA ${data?.code ?? 'closed'}`); break; }
          c.send(body.replace('Subject: stress x', `Subject: stress ${id}`).replace('<x@client', `<${id}@client`));
          const done = await c.reply();
          if (done?.code === 250) { accepted++; latencies.push(now() - t0); } else refuse(`end of data ${done?.code ?? 'closed'}`);
        }
        c.send('QUIT\r\n');
        await c.reply();
      } finally {
        c.socket.destroy();
      }
    }
  }
  await Promise.all(Array.from({ length: senders }, (_, k) => oneSender(k)));
  const seconds = (now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    attempted: Math.min(next, messages), accepted, refusals, seconds: round(seconds, 2),
    perSecond: round(accepted / seconds, 1),
    latencyMs: { p50: round(percentile(latencies, 50), 1), p99: round(percentile(latencies, 99), 1), max: round(latencies.at(-1) ?? null, 1) },
  };
}
function round(x, d) { return x === null ? null : Math.round(x * 10 ** d) / 10 ** d; }

// ------------------------------------------------------------------- the attack
/**
 * Each slot is one connection kept up (reconnecting when Baton closes it) until the
 * attack stops. `kind` decides what it does once connected.
 */
function startAttack({ ports, hostile, idle }) {
  const state = { stopping: false, open: 0, peakOpen: 0, connects: 0, byKind: {} };
  const sockets = new Set();
  const hostileKinds = [
    // [kind, share of the hostile slots]
    ['pregreet', 0.16], ['byte-drip', 0.24], ['junk', 0.16], ['huge-line', 0.08],
    ['starttls-stall', 0.12], ['tls-silent', 0.12], ['flood', 0.12],
  ];
  const slots = [];
  let h = 0;
  for (const [kind, share] of hostileKinds) {
    const n = kind === 'flood' ? hostile - h : Math.round(hostile * share);
    for (let i = 0; i < n; i++, h++) {
      // Attackers spread over 127.0.1-4.x (about one slot per address, as a botnet
      // would); the flood comes from five addresses, so its per-IP limits show.
      const addr = kind === 'flood' ? `127.0.4.${250 + (i % 5)}` : `127.0.${1 + (h % 4)}.${1 + (Math.floor(h / 4) % 249)}`;
      slots.push({ kind, addr });
    }
  }
  for (let i = 0; i < idle; i++) slots.push({ kind: 'idle', addr: `127.0.${5 + (i % 2)}.${1 + (Math.floor(i / 2) % 250)}` });

  const stat = (kind) => (state.byKind[kind] ??= { connects: 0, replies: {} });
  const JUNK = ['HELP ME', 'GET / HTTP/1.0', 'XYZZY', '\x16\x03\x01\x00\xa5', 'MAIL FROM:', 'RCPT TO:<@@>', 'AUTH LOGIN', 'DATA'];

  async function runSlot({ kind, addr }, index) {
    const port = kind === 'starttls-stall' ? ports.submission : kind === 'tls-silent' ? ports.submissions : ports.mx;
    while (!state.stopping) {
      const c = smtpConnection({ port, host: '127.0.0.1', localAddress: addr });
      sockets.add(c.socket);
      state.connects++;
      stat(kind).connects++;
      let counted = false;
      c.socket.once('connect', () => { counted = true; state.open++; state.peakOpen = Math.max(state.peakOpen, state.open); });
      c.socket.once('close', () => { if (counted) state.open--; sockets.delete(c.socket); });
      const note = (r) => { const k = r ? String(r.code) : 'closed'; stat(kind).replies[k] = (stat(kind).replies[k] ?? 0) + 1; };
      try {
        if (kind === 'pregreet') {
          c.socket.once('connect', () => c.send('EHLO bot.example\r\n'));
          note(await c.reply());
        } else if (kind === 'tls-silent') {
          await new Promise((r) => c.socket.once('close', r)); // never a ClientHello
        } else if (kind === 'flood') {
          await new Promise((r) => c.socket.once('connect', r).once('close', r));
          c.socket.destroy(); // connect and drop, at once, again and again
          await sleep(20);
          continue;
        } else {
          const greet = await c.reply();
          note(greet);
          if (greet?.code !== 220) { await sleep(250); continue; }
          if (kind === 'byte-drip') {
            // One byte every 3 s: each byte resets idleTimeout; commandTimeout bounds the line.
            for (const ch of 'EHLO drip.example\r\n') { if (c.closed || state.stopping) break; c.send(ch); await sleep(3000); }
            if (!c.closed) note(await c.reply());
          } else if (kind === 'junk') {
            for (let j = 0; !c.closed && !state.stopping; j++) { c.send(`${JUNK[(index + j) % JUNK.length]}\r\n`); note(await c.reply()); }
          } else if (kind === 'huge-line') {
            const chunk = 'A'.repeat(64 * 1024);
            for (let j = 0; j < 32 && !c.closed && !state.stopping; j++) { c.send(chunk); await sleep(100); } // 2 MiB, no CRLF
            if (!c.closed) { c.send('\r\n'); note(await c.reply()); }
          } else if (kind === 'starttls-stall') {
            c.send('EHLO stall.example\r\n');
            note(await c.reply());
            c.send('STARTTLS\r\n');
            note(await c.reply()); // 220 Ready to start TLS: then nothing, no ClientHello
          } else if (kind === 'idle') {
            c.send(`EHLO idle${index}.example\r\n`);
            note(await c.reply());
            while (!c.closed && !state.stopping) { await sleep(20_000); if (!state.stopping) { c.send('NOOP\r\n'); note(await c.reply()); } }
          }
          // Whatever it was, hold the connection until Baton or the end closes it.
          if (!c.closed) await new Promise((r) => c.socket.once('close', r));
        }
      } catch {
        // a reset is part of the game
      }
      if (!state.stopping) await sleep(250);
    }
  }
  // Ramp: 50 new slots every 50 ms (1,000 in about a second), under the listen backlog.
  const running = (async () => {
    const all = [];
    for (let i = 0; i < slots.length && !state.stopping; i += 50) {
      for (const [j, s] of slots.slice(i, i + 50).entries()) all.push(runSlot(s, i + j));
      await sleep(50);
    }
    await Promise.all(all);
  })();
  return {
    state,
    slots: slots.length,
    async stop() {
      state.stopping = true;
      for (const s of sockets) s.destroy();
      await Promise.race([running, sleep(10_000)]);
      for (const s of sockets) s.destroy();
    },
  };
}

/** The attack in a child process; `state` is refreshed from its reports every 250 ms. */
function startAttackChild(opts) {
  const child = fork(fileURLToPath(import.meta.url), ['--attacker', JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const handle = { state: { open: 0, peakOpen: 0, connects: 0, byKind: {} }, slots: opts.hostile + opts.idle };
  child.on('message', (m) => { handle.state = m.state; });
  handle.stop = () => new Promise((resolve) => {
    child.once('exit', resolve);
    child.send('stop');
    setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
  });
  return handle;
}
if (ATTACKER) {
  const attack = startAttack(JSON.parse(process.argv[3]));
  const report = () => process.send({ state: attack.state });
  const timer = setInterval(report, 250);
  process.on('message', async (m) => {
    if (m !== 'stop') return;
    await attack.stop();
    clearInterval(timer);
    report();
    process.disconnect();
  });
}

// -------------------------------------------------------------------- a variant
async function runVariant(variant) {
  const dir = mkdtempSync(join(tmpdir(), `baton-stress-${variant}-`));
  const ports = { mx: await freePort(), submission: await freePort(), submissions: await freePort(), sink: await freePort() };
  const sink = await startSink(ports.sink);
  const baton = await startBaton(dir, ports);
  const pid = baton.pid;
  const senderAddress = variant === 'trusted' ? () => '127.0.0.1' : (k) => `127.0.9.${1 + k}`;
  const senderOpts = { port: ports.mx, senderAddress, senders: args.senders, messages: args.messages, size: args.size, perConnection: args.perConnection };
  const log = (s) => console.error(`[${variant}] ${s}`);
  try {
    const fdStart = fdCount(pid);
    const fdKindsStart = fdKinds(pid);
    log(`baton pid ${pid}, ${fdStart} fds at start; baseline: ${args.messages} messages, ${args.senders} senders`);
    const cpu0 = cpuSeconds(pid);
    const baseline = await runSenders({ ...senderOpts, tag: `${variant}-base` });
    const cpuBaseline = cpuSeconds(pid) - cpu0;
    const fdAfterBaseline = await settleFds(pid, fdStart);
    const rssBeforeAttack = procStatus(pid).rssKiB;

    log(`attack: ${args.hostile} hostile + ${args.idle} idle connections`);
    const cpu1 = cpuSeconds(pid);
    const attackStart = now();
    const attack = startAttackChild({ ports, hostile: args.hostile, idle: args.idle });
    const peak = { fds: 0, rssKiB: 0, open: 0 };
    const sampler = setInterval(() => {
      try {
        peak.fds = Math.max(peak.fds, fdCount(pid));
        peak.rssKiB = Math.max(peak.rssKiB, procStatus(pid).rssKiB);
        peak.open = Math.max(peak.open, attack.state.peakOpen);
      } catch { /* baton gone: reported below */ }
    }, 250);
    const deadline = now() + ATTACK_MAX_MS;
    // Wait until most slots are connected (bounded: the flood, pregreet and junk slots
    // come and go, so never all at once), then send the same mail again.
    while (attack.state.open < 0.75 * attack.slots && now() < attackStart + 20_000) await sleep(200);
    await sleep(2000); // past the pregreet pause: the attackers are now talking
    const heldWhenSendingStarts = attack.state.open;
    const fdsWhenSendingStarts = fdCount(pid);
    log(`${heldWhenSendingStarts} attack connections open, Baton holds ${fdsWhenSendingStarts} fds; sending`);
    const cpu2 = cpuSeconds(pid);
    let giveUp;
    const underAttack = await Promise.race([
      runSenders({ ...senderOpts, tag: `${variant}-attack` }).then((r) => ({ ...r, cpuSeconds: round(cpuSeconds(pid) - cpu2, 2) })),
      new Promise((r) => { giveUp = setTimeout(() => r(null), Math.max(1000, deadline - now())); }),
    ]);
    clearTimeout(giveUp); // else it keeps the script alive until the deadline
    const heldWhenSendingEnds = attack.state.open;
    await attack.stop();
    clearInterval(sampler);
    const cpuAttack = cpuSeconds(pid) - cpu1;
    const attackSeconds = (now() - attackStart) / 1000;
    log('attack stopped; waiting for fds to come back and the sink to catch up');
    const fdAfterAttack = await settleFds(pid, fdStart);
    const accepted = baseline.accepted + (underAttack?.accepted ?? 0);
    const sinkDeadline = now() + SETTLE_MAX_MS;
    while (sink.count() < accepted && now() < sinkDeadline) await sleep(200);
    const status = procStatus(pid);
    const fdLeft = fdDiff(fdKindsStart, fdKinds(pid));
    return {
      variant,
      senders: { from: variant === 'trusted' ? '127.0.0.1 (trusted)' : '127.0.9.1-20 (untrusted)', count: args.senders, messages: args.messages, sizeBytes: args.size, perConnection: args.perConnection },
      baseline: { ...baseline, cpuSeconds: round(cpuBaseline, 2) },
      underAttack: underAttack ?? { timedOut: true },
      attack: {
        slots: attack.slots, hostile: args.hostile, idle: args.idle, seconds: round(attackSeconds, 1), cpuSeconds: round(cpuAttack, 2),
        clientConnectionsOpenAtPeak: peak.open, openWhenSendingStarted: heldWhenSendingStarts, openWhenSendingEnded: heldWhenSendingEnds,
        connectionAttempts: attack.state.connects, byKind: attack.state.byKind,
      },
      baton: {
        peakRssMiB: round(status.hwmKiB / 1024, 1), rssBeforeAttackMiB: round(rssBeforeAttack / 1024, 1), peakRssDuringAttackMiB: round(peak.rssKiB / 1024, 1),
        fds: { start: fdStart, afterBaseline: fdAfterBaseline, whenSendingStarted: fdsWhenSendingStarts, peak: peak.fds, afterAttack: fdAfterAttack, differenceAfter: fdLeft },
        alive: baton.child.exitCode === null,
      },
      sink: { accepted, received: sink.count(), lost: Math.max(0, accepted - sink.count()) },
    };
  } finally {
    await stopBaton(baton);
    sink.child.kill('SIGTERM');
    if (baton.child.exitCode !== 0 && baton.child.exitCode !== null) log(`baton exited ${baton.child.exitCode}:\n${baton.log()}`);
    else if (baton.log().trim()) log(`baton warnings (last lines):\n${baton.log().trim().split('\n').slice(-5).join('\n')}`);
    rmSync(dir, { recursive: true, force: true });
  }
}
/**
 * Waits (bounded) until Baton's fd count is back to `baseline` (idle delivery
 * connections to the sink close after delivery.connectionIdle, 5 s), and returns it.
 */
async function settleFds(pid, baseline) {
  const end = now() + SETTLE_MAX_MS;
  let n = fdCount(pid);
  while (n > baseline && now() < end) { await sleep(250); n = fdCount(pid); }
  return n;
}

// ---------------------------------------------------------------------- main
if (!ATTACKER) await main();
async function main() {
  const limit = openFileLimit();
  if (limit < 2500) {
    console.error(`bench/stress.mjs: this process may open only ${limit} files; 1,000 connections need more. Run \`ulimit -n 8192\` first.`);
    process.exit(2);
  }
  const variants = args.variant === 'both' ? ['trusted', 'untrusted'] : [args.variant];
  const results = [];
  const t0 = now();
  for (const v of variants) results.push(await runVariant(v));
  const report = { when: new Date().toISOString(), options: args, seconds: round((now() - t0) / 1000, 1), results };
  for (const r of results) printVariant(r);
  const jsonFile = args.json || join(mkdtempSync(join(tmpdir(), 'baton-stress-')), 'stress.json');
  writeFileSync(jsonFile, JSON.stringify(report, null, 2));
  console.log(`\nJSON: ${jsonFile}`);
  const failed = results.filter((r) => r.sink.lost > 0 || !r.baton.alive || r.baton.fds.afterAttack > r.baton.fds.start || r.underAttack.timedOut);
  if (failed.length) {
    console.log(`FAILED: ${failed.map((r) => r.variant).join(', ')} (lost mail, a crash, an fd leak or a timeout; see above)`);
    process.exitCode = 1;
  }
}

function printVariant(r) {
  const s = (x) => `${x.accepted}/${x.attempted} accepted in ${x.seconds} s = ${x.perSecond}/s, latency p50 ${x.latencyMs.p50} ms p99 ${x.latencyMs.p99} ms, CPU ${x.cpuSeconds} s${Object.keys(x.refusals).length ? `, refused ${JSON.stringify(x.refusals)}` : ''}`;
  console.log(`\n== ${r.variant}: senders from ${r.senders.from}, ${r.senders.count} at once, ${r.senders.messages} x ${r.senders.sizeBytes} B`);
  console.log(`baseline       ${s(r.baseline)}`);
  console.log(`under attack   ${r.underAttack.timedOut ? 'TIMED OUT' : s(r.underAttack)}`);
  console.log(`attack         ${r.attack.slots} slots (${r.attack.hostile} hostile, ${r.attack.idle} idle); ${r.attack.seconds} s, Baton CPU ${r.attack.cpuSeconds} s in all; open at peak ${r.attack.clientConnectionsOpenAtPeak}, when sending started ${r.attack.openWhenSendingStarted}, ended ${r.attack.openWhenSendingEnded}; ${r.attack.connectionAttempts} connection attempts`);
  for (const [k, v] of Object.entries(r.attack.byKind)) console.log(`  ${k.padEnd(15)} ${String(v.connects).padStart(6)} connects, replies ${JSON.stringify(v.replies)}`);
  console.log(`baton          peak RSS ${r.baton.peakRssMiB} MiB (${r.baton.rssBeforeAttackMiB} MiB before the attack); fds start ${r.baton.fds.start}, after baseline ${r.baton.fds.afterBaseline}, at peak ${r.baton.fds.peak}, after the attack ${r.baton.fds.afterAttack} ${JSON.stringify(r.baton.fds.differenceAfter)}; ${r.baton.alive ? 'alive' : 'DEAD'}`);
  console.log(`sink           ${r.sink.received} received of ${r.sink.accepted} accepted; lost ${r.sink.lost}`);
}
