import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
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

export interface TestCa {
  /** The CA certificate (PEM): the trust anchor to give a client. */
  readonly cert: string;
  readonly key: string;
}

/** A throwaway certificate authority made by openssl (EC P-256, valid for two days). */
export async function makeTestCa(dir: string, name = 'Baton Test CA'): Promise<TestCa> {
  const base = join(dir, name.toLowerCase().replace(/[^a-z0-9]+/g, '-'));
  const cert = `${base}.pem`;
  const key = `${base}.key`;
  await run(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-subj', `/CN=${name}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-days', '2',
      '-keyout', key, '-out', cert,
    ],
    { timeout: 30_000 },
  );
  return { cert, key };
}

/**
 * A server certificate signed by `ca`, for the DNS names and IP addresses given
 * (subjectAltName; RFC 6125 matches on it, not on the CN). Written as
 * `dir/label.pem` and `dir/label.key`.
 */
export async function issueServerCert(
  ca: TestCa,
  dir: string,
  label: string,
  names: { readonly dns?: readonly string[]; readonly ip?: readonly string[] },
): Promise<TestCert> {
  const base = join(dir, label);
  const cert = `${base}.pem`;
  const key = `${base}.key`;
  const san = [...(names.dns ?? []).map((n) => `DNS:${n}`), ...(names.ip ?? []).map((a) => `IP:${a}`)];
  if (san.length === 0) throw new Error('a server certificate needs at least one name');
  const cn = names.dns?.[0] ?? names.ip?.[0] ?? label;
  await run('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', `/CN=${cn}`, '-keyout', key, '-out', `${base}.csr`], {
    timeout: 30_000,
  });
  await writeFile(`${base}.ext`, `subjectAltName=${san.join(',')}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`);
  await run(
    'openssl',
    ['x509', '-req', '-in', `${base}.csr`, '-CA', ca.cert, '-CAkey', ca.key, '-set_serial', `0x${serial()}`, '-days', '2', '-extfile', `${base}.ext`, '-out', cert],
    { timeout: 30_000 },
  );
  return { cert, key };
}

/** A random positive serial number (hex), so certificates issued at once never share one. */
function serial(): string {
  const b = randomBytes(12);
  b[0] = (b[0] ?? 0) & 0x7f;
  return b.toString('hex');
}
