#!/usr/bin/env node
// What configuring the content scanners (rspamd, clamav) costs trusted traffic,
// the relay benchmark's clients: the content stage of mx, run by the check
// runner alone, for a trusted client and a 10 KiB message, with the default
// checks and with the scanners added. Trusted clients are not scanned, so the
// difference is the runner's bookkeeping only. Medians of 9 rounds.
//   npm run build && node bench/scanners-trusted.mjs [--messages N]
import { parseConfig } from '../dist/src/config/index.js';
import { silentLogger } from '../dist/src/log/index.js';
import { StageChecks } from '../dist/src/smtp/policy/check-runner.js';
import { builtInChecks } from '../dist/src/smtp/policy/checks/index.js';

const i = process.argv.indexOf('--messages');
const perRound = i > 0 ? Number(process.argv[i + 1]) : 300_000;
const config = parseConfig({}, '/tmp');
const logger = silentLogger();
const all = builtInChecks({
  domains: config,
  isKnownLocalRecipient: () => true,
  mailAuth: { hostname: 'h', resolver: async () => [], config: config.auth, timeoutMs: 1000, random: { next: () => 0 }, logger },
  scanners: { rspamd: { config: config.scanners.rspamd, hostname: 'h', logger }, clamav: { config: config.scanners.clamav, logger } },
});
const defaults = config.checks.mx.map((n) => all[n]);
const runners = {
  'mx defaults': new StageChecks(defaults, { timeoutMs: 1000, logger }),
  'mx defaults + rspamd + clamav': new StageChecks([...defaults, all.rspamd, all.clamav], { timeoutMs: 1000, logger }),
};
const input = {
  session: { clientIp: '127.0.0.1', clientPort: 1, listener: { address: '127.0.0.1:25', role: 'mx', allowPlaintextAuth: false }, trusted: true, tls: false },
  sender: { local: 'app', domain: 'example.com' },
  params: {},
  recipients: [{ address: { local: 'user', domain: 'example.org' } }],
  message: Buffer.from(`Subject: x\r\nFrom: app@example.com\r\n\r\n${'x'.repeat(10 * 1024)}\r\n`),
  facts: {},
};
const round = (r, n) => {
  const t = process.hrtime.bigint();
  for (let k = 0; k < n; k++) if (r.run('content', input) instanceof Promise) throw new Error('a trusted client made a promise');
  return Number(process.hrtime.bigint() - t) / n;
};
const times = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
for (let w = 0; w < 3; w++) for (const r of Object.values(runners)) round(r, perRound / 2);
for (let k = 0; k < 9; k++) for (const [name, r] of Object.entries(runners)) times[name].push(round(r, perRound));
for (const [name, t] of Object.entries(times)) {
  t.sort((a, b) => a - b);
  console.log(`${name.padEnd(30)} ${t[4].toFixed(0)} ns per message (min ${t[0].toFixed(0)})`);
}
