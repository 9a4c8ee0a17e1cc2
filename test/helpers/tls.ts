import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TestCert {
  readonly cert: string;
  readonly key: string;
}

/**
 * A throwaway self-signed certificate for CN=localhost made by openssl (an
 * independent tool), written as PEM files into `dir` (a fresh temp dir by default).
 */
export async function makeSelfSignedCert(dir?: string, cn = 'localhost'): Promise<TestCert> {
  const where = dir ?? (await mkdtemp(join(tmpdir(), 'baton-tls-')));
  const cert = join(where, 'cert.pem');
  const key = join(where, 'key.pem');
  await run(
    'openssl',
    [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
      '-subj', `/CN=${cn}`,
      '-addext', `subjectAltName=DNS:${cn},IP:127.0.0.1`,
      '-days', '2',
      '-keyout', key, '-out', cert,
    ],
    { timeout: 30_000 },
  );
  return { cert, key };
}
