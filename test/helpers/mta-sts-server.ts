import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { issueServerCert, type TestCa } from './tls.js';

/**
 * A real HTTPS MTA-STS policy server on loopback (node:https) for e2e tests:
 * serves `/.well-known/mta-sts.txt` for `mta-sts.<domain>` (by the Host
 * header) with a certificate from a test CA naming every `mta-sts.<domain>`.
 * Baton reaches it through dnsmasq (mta-sts.<domain> → 127.0.0.1) and
 * `delivery.mtaSts.policyPort`, and trusts it through `delivery.caFile`.
 *
 *   const sts = await startMtaStsServer(ca, dir, { 'a.test': 'version: STSv1\n...' });
 *   sts.policies.set('a.test', newText);  // served from the next request on
 *   sts.fetches('a.test')                 // how many times Baton fetched it
 *   await sts.stop();
 */
export interface MtaStsServer {
  readonly port: number;
  /** domain -> policy text; change it to serve another policy. */
  readonly policies: Map<string, string>;
  fetches(domain: string): number;
  stop(): Promise<void>;
}

export async function startMtaStsServer(ca: TestCa, dir: string, policies: Readonly<Record<string, string>>): Promise<MtaStsServer> {
  const domains = Object.keys(policies);
  const cert = await issueServerCert(ca, dir, 'mta-sts-server', { dns: domains.map((d) => `mta-sts.${d}`) });
  const served = new Map(Object.entries(policies));
  const counts = new Map<string, number>();
  const server: Server = createServer({ cert: await readFile(cert.cert), key: await readFile(cert.key) }, (req, res) => {
    const host = String(req.headers.host ?? '').replace(/:\d+$/, '');
    const domain = host.replace(/^mta-sts\./, '');
    const text = served.get(domain);
    if (req.url !== '/.well-known/mta-sts.txt' || !host.startsWith('mta-sts.') || text === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    counts.set(domain, (counts.get(domain) ?? 0) + 1);
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    policies: served,
    fetches: (d) => counts.get(d) ?? 0,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
