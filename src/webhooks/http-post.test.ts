import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { freePorts } from '../../test/helpers/free-port.js';
import { httpPoster } from './http-post.js';

/** A real loopback HTTP server for the poster's limits. */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  after(() => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, server };
}

const post = httpPoster({ connectTimeoutMs: 1000, timeoutMs: 500, maxConnections: 2 });
after(() => post.close());

test('a 2xx is ok; the body and headers arrive as sent, with Content-Length', async () => {
  let got: { body: string; type?: string; length?: string } | undefined;
  const { url } = await serve((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got = { body, ...(req.headers['content-type'] ? { type: req.headers['content-type'] } : {}), ...(req.headers['content-length'] ? { length: req.headers['content-length'] } : {}) };
      res.writeHead(204).end();
    });
  });
  const r = await post(url, '{"events":[]}', { 'Content-Type': 'application/json' });
  assert.equal(r.ok, true);
  assert.equal(r.status, 204);
  assert.deepEqual(got, { body: '{"events":[]}', type: 'application/json', length: '13' });
});

test('a redirect is not followed: a failure that names where it pointed', async () => {
  let hits = 0;
  const { url } = await serve((_req, res) => {
    hits++;
    res.writeHead(307, { Location: 'http://127.0.0.1:9/elsewhere' }).end();
  });
  const r = await post(url, '{}', {});
  assert.equal(r.ok, false);
  assert.equal(r.status, 307);
  assert.match(r.error ?? '', /redirect to http:\/\/127\.0\.0\.1:9\/elsewhere not followed/);
  assert.equal(hits, 1);
});

test('a receiver that never answers is cut off at the total timeout', async () => {
  const { url } = await serve(() => undefined);
  const r = await post(url, '{}', {});
  assert.equal(r.ok, false);
  assert.equal(r.status, undefined);
  assert.match(r.error ?? '', /no complete answer within 500 ms/);
  assert.ok(r.durationMs >= 450 && r.durationMs < 5000, `${r.durationMs} ms`);
});

test('an endless answer is read only up to the limit, and a 5xx is a failure with the start of its body', async () => {
  const { url } = await serve((_req, res) => {
    res.writeHead(503, { 'Content-Type': 'text/plain' });
    const chunk = Buffer.alloc(16 * 1024, 'x');
    const pump = () => {
      while (res.write(chunk));
    };
    res.on('drain', pump);
    pump();
  });
  const r = await post(url, '{}', {});
  assert.equal(r.ok, false);
  assert.equal(r.status, 503);
  assert.equal(r.error, 'HTTP 503');
  assert.equal(r.response?.length, 300);
});

test('idle keep-alive sockets to one receiver do not hold the slots another needs', async () => {
  const one = httpPoster({ connectTimeoutMs: 1000, timeoutMs: 2000, maxConnections: 1 });
  after(() => one.close());
  const a = await serve((_req, res) => res.writeHead(200).end());
  const b = await serve((_req, res) => res.writeHead(200).end());
  assert.equal((await one(a.url, '{}', {})).ok, true);
  const r = await one(b.url, '{}', {});
  assert.equal(r.ok, true, r.error);
  assert.ok(r.durationMs < 1000, `${r.durationMs} ms`);
});

test('connection refused is said in words; other schemes are refused', async () => {
  const [closed] = await freePorts(1);
  const r = await post(`http://127.0.0.1:${closed}/x`, '{}', {});
  assert.deepEqual([r.ok, r.error], [false, 'connection refused']);
  assert.match((await post('ftp://127.0.0.1/x', '{}', {})).error ?? '', /ftp: URLs are not supported/);
});

test('at most maxConnections POSTs are open at once, all receivers together; the rest wait their turn', async () => {
  let open = 0;
  let peak = 0;
  const slow = (_req: unknown, res: import('node:http').ServerResponse) => {
    open++;
    peak = Math.max(peak, open);
    setTimeout(() => {
      open--;
      res.writeHead(200).end();
    }, 50);
  };
  const [a, b] = [await serve(slow), await serve(slow)];
  const two = httpPoster({ connectTimeoutMs: 1000, timeoutMs: 2000, maxConnections: 2 });
  after(() => two.close());
  const results = await Promise.all(Array.from({ length: 6 }, (_, i) => two(i % 2 === 0 ? a.url : b.url, '{}', {})));
  assert.ok(results.every((r) => r.ok));
  assert.equal(peak, 2);
});
