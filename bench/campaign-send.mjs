#!/usr/bin/env node
// A campaign to N contacts vs N plain SMTP submissions, in the same run, through a real relay:
//
//   nodemailer pool (c connections, AUTH PLAIN) -> submission listener -> Baton -> smtp-sink
//   POST /api/v1/campaigns/{id}/send -> runner (render, compose, checks, enqueue with the send log) -> Baton -> smtp-sink
//
// The same size of message both ways (about 2 KiB of text, one recipient). Per phase: the
// intake rate (250s per second; queued contacts per second) and the Baton process's CPU per
// message, from /proc/PID/stat utime+stime (all threads) between the start and the last
// message at the sink, so delivery is counted in both. Loopback only, bounded in seconds.
//   npm run build && node bench/campaign-send.mjs [--messages 50000] [--conc 20] [--stream transactional|bulk] [--max-seconds 600]
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { startApiBaton } from '../dist/test/helpers/api.js';
import { freePort } from '../dist/test/helpers/free-port.js';
import { smtpSinkPath } from '../dist/test/helpers/smtp-sink.js';
import { waitForGreeting } from '../dist/test/helpers/wait-for-greeting.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const messages = Number(arg('messages', 50_000));
const conc = Number(arg('conc', 20));
const stream = String(arg('stream', 'transactional'));
const maxSeconds = Number(arg('max-seconds', 600));
const TICK_MS = 10; // CLK_TCK is 100 on Linux

// smtp-sink counting (-c) without dumping: a file per message would measure the disk.
const sinkPort = await freePort();
const root = process.getuid?.() === 0;
const sinkProc = spawn(smtpSinkPath(), [...(root ? ['-u', 'nobody'] : []), '-c', `127.0.0.1:${sinkPort}`, '256'], { stdio: ['ignore', 'pipe', 'ignore'] });
let sinkOut = '';
sinkProc.stdout.on('data', (d) => (sinkOut = (sinkOut + d.toString()).slice(-4096)));
if (!(await waitForGreeting(sinkProc, '127.0.0.1', sinkPort, { tries: 40, intervalMs: 50, connectTimeoutMs: 500 }))) throw new Error('smtp-sink did not start');
const sinkCount = () => Number([...sinkOut.matchAll(/mesg=(\d+)/g)].at(-1)?.[1] ?? 0);

const unsubPort = await freePort();
const api = await startApiBaton({
  config: {
    listeners: [{ role: 'submission', allowPlaintextAuth: true }],
    routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sinkPort}`, tls: 'none' }],
    log: { level: 'warn' },
    shaping: { adaptive: { enabled: false } },
    containment: { enabled: false },
    unsubscribe: { address: `127.0.0.1:${unsubPort}`, baseUrl: 'https://unsub.bench.test', secrets: [{ id: 'k1', secret: 'a bench unsubscribe secret' }] },
  },
  api: { rateLimit: { perSecond: 100_000, burst: 1_000_000 } },
});
const b = api.baton;
const password = 'bench-password-1';
const added = await b.cli(['user', 'add', 'bench', '--domains', 'bench.test'], { input: `${password}\n` });
if (added.code !== 0) throw new Error(added.stderr);
const key = await api.createKey('campaigns', { scopes: ['send', 'read', 'admin'], domains: ['bench.test'] });
const pid = b.process.pid;
const cpuMs = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_MS;
};
const para = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. ';
const text = para.repeat(40).slice(0, 2048);

async function drained(n) {
  const until = Date.now() + maxSeconds * 1000;
  while (sinkCount() < n && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  return sinkCount();
}

async function smtpPhase() {
  const transport = nodemailer.createTransport({ host: '127.0.0.1', port: b.ports.submission, pool: true, maxConnections: conc, maxMessages: Infinity, ignoreTLS: true, auth: { user: 'bench', pass: password } });
  const base = sinkCount();
  const cpu0 = cpuMs();
  const t0 = performance.now();
  let next = 0;
  const deadline = Date.now() + maxSeconds * 1000;
  await Promise.all(
    Array.from({ length: conc }, async () => {
      while (next < messages && Date.now() < deadline) {
        const i = next++;
        await transport.sendMail({ from: 'app@bench.test', to: `r${i}@sink.test`, subject: `bench ${i}`, text });
      }
    }),
  );
  const intakeS = (performance.now() - t0) / 1000;
  const got = (await drained(base + next)) - base;
  const cpu = cpuMs() - cpu0;
  transport.close();
  return { name: 'smtp', sent: next, intakeRate: next / intakeS, delivered: got, cpuPerMsgMs: cpu / next, totalS: (performance.now() - t0) / 1000 };
}

async function campaignPhase() {
  const db = new Database(join(b.dir, 'queue.db'));
  const ins = db.prepare('INSERT INTO contacts (address, attributes, created_at, updated_at, schema_version) VALUES (?, ?, 1, 1, 1)');
  db.transaction(() => {
    for (let i = 0; i < messages; i++) ins.run(`c${i}@sink.test`, JSON.stringify({ plan: 'bench', first_name: `Reader ${i}` }));
  })();
  db.close();
  const post = async (path, json) => {
    const r = await api.apiFetch(path, { key, json, method: 'POST' });
    if (r.status >= 300) throw new Error(`${path}: ${r.status} ${r.text}`);
    return r.body;
  };
  const seg = await post('/api/v1/segments', { name: 'bench', filter: { all: [{ attr: 'plan', op: 'eq', value: 'bench' }] } });
  const tpl = await post('/api/v1/templates', { name: 'bench', subject: 'bench {{ first_name }}', text: `Hello {{ first_name }},\n\n${text}` });
  const c = await post('/api/v1/campaigns', { name: 'bench', template: tpl.id, segment: seg.id, from: 'news@bench.test', stream });
  const base = sinkCount();
  const cpu0 = cpuMs();
  const t0 = performance.now();
  await post(`/api/v1/campaigns/${c.id}/send`);
  const until = Date.now() + maxSeconds * 1000;
  let v;
  for (;;) {
    v = (await api.apiFetch(`/api/v1/campaigns/${c.id}`, { key })).body;
    if (v.state === 'sent' || Date.now() > until) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const intakeS = (performance.now() - t0) / 1000;
  const queued = v.progress.queued;
  const got = (await drained(base + queued)) - base;
  const cpu = cpuMs() - cpu0;
  return { name: 'campaign', sent: queued, state: v.state, intakeRate: queued / intakeS, delivered: got, cpuPerMsgMs: cpu / queued, totalS: (performance.now() - t0) / 1000 };
}

try {
  console.log(`campaign-send: ${messages} messages each way, SMTP c=${conc}, campaign stream ${stream}, concurrency ${8} (campaigns.sending.concurrency default)`);
  const rows = [];
  for (const phase of [smtpPhase, campaignPhase]) {
    const r = await phase();
    rows.push(r);
    console.log(
      `${r.name.padEnd(8)} ${r.sent} msgs: ${r.intakeRate.toFixed(0)} msgs/s into the queue; ${r.delivered} at the sink after ${r.totalS.toFixed(1)} s; Baton CPU/msg ${r.cpuPerMsgMs.toFixed(3)} ms (intake + delivery)${r.state ? `; state ${r.state}` : ''}`,
    );
  }
  const [s, c] = rows;
  console.log(`campaign/SMTP: rate ${(c.intakeRate / s.intakeRate).toFixed(2)}x, CPU per message ${(c.cpuPerMsgMs / s.cpuPerMsgMs).toFixed(2)}x`);
} finally {
  await api.stop();
  sinkProc.kill('SIGTERM');
}
