#!/usr/bin/env node
// The cost of the API's frame per request: a trivial public route against the
// same route behind a real API key (SQLite key store, SHA-256 check, scope
// check, rate limiter), on loopback, with a keep-alive HTTP client. Bounded:
// a fixed number of requests per run. Run after `npm run build`:
//   node bench/api-auth.mjs [requests=20000] [concurrency=16]
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeys, buildApiServer, openSqliteApiKeyStore } from '../dist/src/api/index.js';
import { silentLogger } from '../dist/src/log/index.js';

const total = Number(process.argv[2] ?? 20000);
const concurrency = Number(process.argv[3] ?? 16);
const dir = mkdtempSync(join(tmpdir(), 'baton-bench-api-'));
const store = openSqliteApiKeyStore({ path: join(dir, 'keys.db') });
const keys = new ApiKeys({ store, clock: { now: () => Date.now() } });
const { key } = await keys.create({ name: 'bench', scopes: ['read'] });
const trivial = (scope) => ({ status: 200, body: { ok: true, scope } });
const routes = [
  { method: 'GET', path: '/public', operationId: 'p', summary: 'p', tags: [], scope: 'public', responses: {}, handler: () => trivial('public') },
  { method: 'GET', path: '/authed', operationId: 'a', summary: 'a', tags: [], scope: 'read', responses: {}, handler: () => trivial('read') },
];
const app = buildApiServer({ routes, authenticate: (t) => keys.verify(t), bodyLimit: 1 << 20, rateLimit: { perSecond: 1e6, burst: 1e6 }, authFailures: { max: 100, window: 60_000 }, clock: { now: () => Date.now() }, logger: silentLogger() });
await app.listen({ host: '127.0.0.1', port: 0 });
const port = app.server.address().port;
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function get(path, headers) {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function run(path, headers) {
  let next = 0;
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < total) await get(path, headers);
  }));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { rps: total / seconds, cpuUsPerRequest: (cpu.user + cpu.system) / total };
}

await run('/public', {}); // warm-up
const results = [];
for (let round = 0; round < 3; round++) {
  results.push({ round, public: await run('/public', {}), authed: await run('/authed', { authorization: `Bearer ${key}` }) });
}
for (const r of results) {
  console.log(`round ${r.round}: public ${r.public.rps.toFixed(0)} req/s (${r.public.cpuUsPerRequest.toFixed(0)} µs CPU/req, client included); authenticated ${r.authed.rps.toFixed(0)} req/s (${r.authed.cpuUsPerRequest.toFixed(0)} µs CPU/req)`);
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pub = median(results.map((r) => r.public.cpuUsPerRequest));
const auth = median(results.map((r) => r.authed.cpuUsPerRequest));
console.log(`median CPU per request: public ${pub.toFixed(1)} µs, authenticated ${auth.toFixed(1)} µs; authentication + scope + rate limit ≈ ${(auth - pub).toFixed(1)} µs`);
// The key check alone, in process (cached row: SHA-256 and a constant-time compare).
const n = 200_000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < n; i++) await keys.verify(key);
console.log(`ApiKeys.verify (cached): ${(Number(process.hrtime.bigint() - t0) / 1e3 / n).toFixed(2)} µs per call`);
await app.close();
agent.destroy();
await store.close();
rmSync(dir, { recursive: true, force: true });
