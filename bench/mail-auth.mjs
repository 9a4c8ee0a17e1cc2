#!/usr/bin/env node
// Cost of inbound authentication (the mail-auth check) apart from the relay
// benchmark, whose clients are trusted and skip it. DNS is an in-memory zone
// here (our resolver caches answers for their TTL, so a busy MX mostly pays
// the CPU below, plus the first lookup per domain); the message is DKIM-signed.
//   npm run build && node bench/mail-auth.mjs [--messages N] [--size KiB] [--concurrency C]
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { dkimSign } from 'mailauth';
import { DnsLookupError, verifyMessage } from '../dist/src/mailauth/verify/index.js';
import { mailAuthCheck } from '../dist/src/smtp/policy/checks/mail-auth.js';
import { parseConfig } from '../dist/src/config/index.js';
import { silentLogger } from '../dist/src/log/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const messages = arg('messages', 2000);
const sizeKiB = arg('size', 10);
const concurrency = arg('concurrency', 20);

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const zone = {
  'TXT sender.test': [['v=spf1 ip4:192.0.2.10 -all']],
  'TXT _dmarc.sender.test': [['v=DMARC1; p=reject']],
  'TXT sel._domainkey.sender.test': [[`v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`]],
};
const resolver = async (name, type) => {
  const got = zone[`${type} ${name}`];
  if (!got) throw new DnsLookupError('ENOTFOUND', name);
  return got;
};

const body = 'x'.repeat(76) + '\r\n';
const text = `From: alice@sender.test\r\nTo: bob@local.test\r\nSubject: bench\r\n\r\n${body.repeat(Math.ceil((sizeKiB * 1024) / body.length))}`;
const signed = await dkimSign(Buffer.from(text), {
  signTime: new Date(),
  signatureData: [{ signingDomain: 'sender.test', selector: 'sel', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }) }],
});
const message = Buffer.concat([Buffer.from(signed.signatures), Buffer.from(text)]);
const input = { message, clientIp: '192.0.2.10', helo: 'mail.sender.test', sender: 'alice@sender.test' };
const opts = { hostname: 'mx.bench.test', resolver };

const first = await verifyMessage(input, opts);
if (first.dmarc?.result !== 'pass' || first.dkim[0]?.result !== 'pass') throw new Error(`unexpected results: ${first.rows.join('; ')}`);

let next = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next++ < messages) await verifyMessage(input, opts);
  }),
);
const seconds = (performance.now() - started) / 1000;
console.log(`untrusted: ${messages} messages of ${sizeKiB} KiB, concurrency ${concurrency}: ${(messages / seconds).toFixed(0)} msgs/s, ${((seconds * 1000) / messages).toFixed(2)} ms of the event loop each`);

// The bench path: a trusted client on mx. The check answers at once, without a promise.
const check = mailAuthCheck({ hostname: 'mx.bench.test', resolver, config: parseConfig({}, '/tmp').auth, timeoutMs: 30_000, random: { next: Math.random }, logger: silentLogger() });
const session = { clientIp: '127.0.0.1', clientPort: 1, listener: { address: '127.0.0.1:25', role: 'mx', allowPlaintextAuth: false }, trusted: true, tls: false };
const stage = { session, sender: null, params: {}, recipients: [], message, facts: {} };
const n = 5_000_000;
const t0 = performance.now();
for (let i = 0; i < n; i++) if (check.run(stage).kind !== 'continue') throw new Error('a trusted client was checked');
console.log(`trusted: ${(((performance.now() - t0) * 1e6) / n).toFixed(1)} ns per message (no promise, no DNS)`);
