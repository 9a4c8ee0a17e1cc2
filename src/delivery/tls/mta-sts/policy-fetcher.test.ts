import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { issueServerCert, makeTestCa } from '../../../../test/helpers/tls.js';
import type { DnsResolver } from '../../../dns/index.js';
import { loadCaBundle } from '../ca-bundle.js';
import { httpsPolicyFetcher } from './policy-fetcher.js';

/** What the test server answers for each domain (by Host header). */
type Answer = { status: number; type?: string; body?: string; location?: string; hang?: boolean };
const answers = new Map<string, Answer>();
let dir: string;
let server: Server;
let ca: readonly string[];

const resolver: DnsResolver = {
  resolveMx: async () => ({ ok: false, error: { kind: 'nodata', code: 'NODATA', message: '' } }),
  resolveAddresses: async (host) =>
    host.endsWith('.nowhere.test') ? { ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: '' } } : { ok: true, value: [{ address: '127.0.0.1', family: 4, ttl: 0 }] },
};
const fetcher = (over: { maxBytes?: number; timeoutMs?: number; ca?: readonly string[] } = {}) =>
  httpsPolicyFetcher({ resolver, port: (server.address() as AddressInfo).port, timeoutMs: over.timeoutMs ?? 10_000, maxBytes: over.maxBytes ?? 65_536, ...(over.ca ?? ca ? { ca: over.ca ?? ca } : {}) });

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-sts-fetch-'));
  const testCa = await makeTestCa(dir, 'Fetch Test CA');
  const names = ['ok', 'redirect', 'html', 'big', 'hang', 'missing'].map((d) => `mta-sts.${d}.test`);
  const cert = await issueServerCert(testCa, dir, 'policy', { dns: names });
  server = createServer({ cert: await readFile(cert.cert), key: await readFile(cert.key) }, (req, res) => {
    const a = answers.get(String(req.headers.host).replace(/:\d+$/, '')) ?? { status: 404, type: 'text/plain', body: '' };
    if (a.hang) return;
    res.writeHead(a.status, { ...(a.type ? { 'content-type': a.type } : {}), ...(a.location ? { location: a.location } : {}) }).end(a.body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const caFile = join(dir, 'ca.pem');
  await writeFile(caFile, await readFile(testCa.cert));
  ca = loadCaBundle(caFile);
  answers.set('mta-sts.ok.test', { status: 200, type: 'text/plain; charset=utf-8', body: 'version: STSv1\n' });
  answers.set('mta-sts.redirect.test', { status: 301, location: 'https://mta-sts.ok.test/.well-known/mta-sts.txt' });
  answers.set('mta-sts.html.test', { status: 200, type: 'text/html', body: 'version: STSv1\n' });
  answers.set('mta-sts.big.test', { status: 200, type: 'text/plain', body: 'x'.repeat(5000) });
  answers.set('mta-sts.hang.test', { status: 200, hang: true });
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

test('a text/plain 200 from mta-sts.<domain> with a certificate for that name is the policy text', async () => {
  assert.deepEqual(await fetcher()('ok.test'), { ok: true, text: 'version: STSv1\n' });
});

test('RFC 8461 §3.3: a redirect is not followed, other types than text/plain, 404s and oversized bodies are failed fetches', async () => {
  const redirect = await fetcher()('redirect.test');
  assert.ok(!redirect.ok && /HTTP 301 \(redirects are not followed/.test(redirect.reason), JSON.stringify(redirect));
  const html = await fetcher()('html.test');
  assert.ok(!html.ok && /not text\/plain/.test(html.reason));
  const missing = await fetcher()('missing.test');
  assert.ok(!missing.ok && /HTTP 404/.test(missing.reason));
  const big = await fetcher({ maxBytes: 1024 })('big.test');
  assert.ok(!big.ok && /larger than 1024 bytes/.test(big.reason));
});

test('a certificate not chaining to a trusted CA is sts-webpki-invalid; no address is a fetch error; a silent server times out', async () => {
  const untrusted = await fetcher({ ca: [] })('ok.test');
  assert.ok(!untrusted.ok && untrusted.resultType === 'sts-webpki-invalid', JSON.stringify(untrusted));
  const nowhere = await fetcher()('a.nowhere.test');
  assert.ok(!nowhere.ok && nowhere.resultType === 'sts-policy-fetch-error' && /NXDOMAIN/.test(nowhere.reason));
  const hang = await fetcher({ timeoutMs: 300 })('hang.test');
  assert.ok(!hang.ok && /within 300 ms/.test(hang.reason));
});

test('delivery.caFile: a missing file or one without certificates fails with the key and the path named', async () => {
  assert.throws(() => loadCaBundle(join(dir, 'absent.pem')), /delivery\.caFile: cannot read .*absent\.pem/);
  const junk = join(dir, 'junk.pem');
  await writeFile(junk, 'not a certificate\n');
  assert.throws(() => loadCaBundle(junk), /delivery\.caFile: .*junk\.pem holds no PEM certificate/);
});
