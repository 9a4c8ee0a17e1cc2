#!/usr/bin/env node
// What the outbound TLS policy layer (issue 14) costs on the headline cell when
// its lookups are cached: MX delivery through a real DNS server, with and
// without a domain policy, A/B against another build.
//
//   smtp-source -> Baton -> (MX lookup via dnsmasq) -> smtp-sink   (loopback only)
//
// Both builds deliver by MX (not the usual `tls: none` smarthost, which pins the
// policy and skips the policy sources). The recipient domain example.net has
// MX mx.example.net -> 127.0.0.1 (TTL 300 s, so cached) and, on the new build's
// side only, an MTA-STS policy in testing mode served over HTTPS by a test CA
// (so the cached policy is consulted for every attempt; smtp-sink offers no
// STARTTLS, so mail goes in plaintext, as testing mode allows). DANE is on by
// default and finds the MX unauthenticated (dnsmasq does not validate).
//
// usage: node bench/outbound-tls.mjs REPO_A REPO_B [ab-builds options]
// REPO_B must contain this build (its dist/test/helpers are used).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';

const args = process.argv.slice(2);
const repos = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--')).map((r) => resolve(r));
const rest = args.filter((a) => !repos.includes(resolve(a)) || a.startsWith('--'));
const [repoA, repoB] = repos;
if (!repoA || !repoB) {
  console.error('usage: node bench/outbound-tls.mjs REPO_A REPO_B [--rounds N] [--msgs N] [--conc "20 100"]');
  process.exit(2);
}
const SINK = 26264; // ab-builds.mjs's smtp-sink port: delivery.port here
const helpers = join(repoB, 'dist/test/helpers');
const { startDnsmasq } = await import(join(helpers, 'dnsmasq.js'));
const { makeTestCa } = await import(join(helpers, 'tls.js'));
const { startMtaStsServer } = await import(join(helpers, 'mta-sts-server.js'));

const dir = mkdtempSync(join(tmpdir(), 'baton-outbound-tls-'));
const dns = await startDnsmasq({
  zones: ['example.net'],
  ttl: 300,
  mx: { 'example.net': [{ host: 'mx.example.net', preference: 10 }] },
  hosts: { 'mx.example.net': ['127.0.0.1'], 'mta-sts.example.net': ['127.0.0.1'] },
  txt: { '_mta-sts.example.net': [['v=STSv1; id=bench1']] },
});
const ca = await makeTestCa(dir);
const sts = await startMtaStsServer(ca, dir, { 'example.net': 'version: STSv1\nmode: testing\nmx: mx.example.net\nmax_age: 86400\n' });
const common = { routes: [], dns: { servers: [dns.server] } };
const a = join(dir, 'a.yaml');
const b = join(dir, 'b.yaml');
writeFileSync(a, stringify({ ...common, delivery: { port: SINK, tls: 'opportunistic' } }));
writeFileSync(b, stringify({ ...common, delivery: { port: SINK, tls: 'opportunistic', caFile: ca.cert, mtaSts: { policyPort: sts.port } } }));
try {
  // Not spawnSync: the policy server runs in this process and must go on answering.
  const child = spawn(process.execPath, [join(repoB, 'bench/ab-builds.mjs'), repoA, repoB, '--extra-a', a, '--extra-b', b, ...rest], { stdio: 'inherit' });
  const status = await new Promise((r) => child.once('exit', r));
  console.log(`policy fetches by the new build: ${sts.fetches('example.net')} (one per round: a fresh data directory each time)`);
  process.exitCode = status ?? 1;
} finally {
  await sts.stop();
  await dns.stop();
  rmSync(dir, { recursive: true, force: true });
}
