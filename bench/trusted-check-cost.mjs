// Per-message cost of the inbound checks for a trusted client (the benchmark's
// headline traffic): the mx role's connect, mail and rcpt stages with the
// default check list, against the same list without the connection-stage
// defences (connection-rate, pregreet, message-rate, recipient-rate,
// auth-failures). Runs the real StageChecks from dist/ (npm run build first).
//
//   node bench/trusted-check-cost.mjs [messages]
import { parseConfig } from '../dist/src/config/index.js';
import { silentLogger } from '../dist/src/log/index.js';
import { builtInChecks, checksByRole, MemoryRateCounters, timerSleep } from '../dist/src/smtp/index.js';
import { mailAuthDeps } from '../dist/test/helpers/mail-auth-deps.js';

const N = Number(process.argv[2] ?? 2_000_000);
const DEFENCES = new Set(['connection-rate', 'pregreet', 'message-rate', 'recipient-rate', 'auth-failures']);

function build(withDefences) {
  const config = parseConfig({ localDomains: ['local.test'] }, '/tmp');
  const mx = config.checks.mx.filter((n) => withDefences || !DEFENCES.has(n));
  const checks = builtInChecks({
    domains: config,
    isKnownLocalRecipient: () => true,
    mailAuth: mailAuthDeps(),
    defences: {
      rateLimits: config.rateLimits, pregreet: config.pregreet, authFailures: config.authFailures,
      counters: new MemoryRateCounters({ now: () => Date.now() }), sleep: timerSleep, onEvent: () => {}, logger: silentLogger(), now: () => Date.now(),
    },
  });
  return checksByRole({ ...config, checks: { ...config.checks, mx } }, checks, silentLogger()).mx;
}

const session = { clientIp: '127.0.0.1', clientPort: 40000, listener: { address: '127.0.0.1:25', role: 'mx', allowPlaintextAuth: false }, trusted: true, tls: false };
const sender = { local: 'a', domain: 'app.test' };
const recipient = { address: { local: 'b', domain: 'gmail.test' } };

function run(stages) {
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) {
    // One connection per message, as in the headline cell: connect, MAIL, one RCPT.
    const a = stages.run('connect', { session });
    const b = stages.run('mail', { session, sender, params: {} });
    const c = stages.run('rcpt', { session, sender, params: {}, recipient, accepted: [] });
    if (a instanceof Promise || b instanceof Promise || c instanceof Promise) throw new Error('a trusted client made a promise');
    sink += a.kind.length + b.kind.length + c.kind.length;
  }
  return { ns: Number(process.hrtime.bigint() - t0) / N, sink };
}

const without = build(false);
const withDefences = build(true);
for (let round = 0; round < 3; round++) {
  const a = run(without);
  const b = run(withDefences);
  console.log(`round ${round + 1}: without defences ${a.ns.toFixed(1)} ns/message, with ${b.ns.toFixed(1)} ns/message, added ${(b.ns - a.ns).toFixed(1)} ns`);
}
