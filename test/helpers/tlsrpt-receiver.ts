import { readFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { issueServerCert, type TestCa } from './tls.js';

export interface ReceivedReport {
  readonly path: string;
  readonly contentType: string;
  /** The body as posted, gunzipped and parsed. */
  readonly report: Record<string, unknown>;
}

/**
 * An HTTPS endpoint for TLS-RPT reports (RFC 8460 §5.2) on 127.0.0.1 with a
 * certificate for "localhost" from a test CA: keeps every POST, gunzipped.
 */
export async function startTlsRptReceiver(ca: TestCa, dir: string): Promise<{ url: string; reports: ReceivedReport[]; stop(): Promise<void> }> {
  const cert = await issueServerCert(ca, dir, 'tlsrpt-receiver', { dns: ['localhost'], ip: ['127.0.0.1'] });
  const reports: ReceivedReport[] = [];
  const server = createServer({ cert: await readFile(cert.cert), key: await readFile(cert.key) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const report = JSON.parse(gunzipSync(Buffer.concat(chunks)).toString('utf8')) as Record<string, unknown>;
        reports.push({ path: req.url ?? '', contentType: req.headers['content-type'] ?? '', report });
        res.writeHead(201).end();
      } catch {
        res.writeHead(400).end('not a gzipped JSON report');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `https://localhost:${port}`, reports, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}
