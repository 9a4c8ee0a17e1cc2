import { execFile } from 'node:child_process';
import { constants } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecureContextOptions } from 'node:tls';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TlsFiles {
  readonly cert: string;
  readonly key: string;
}

/**
 * The certificate and key to serve: the configured pair, or a self-signed pair
 * made once in the data directory so STARTTLS works out of the box. Node has no
 * certificate generator, so this calls the openssl command (Debian's openssl).
 */
export async function ensureTlsFiles(configured: { readonly cert?: string | undefined; readonly key?: string | undefined }, dataDir: string, hostname: string): Promise<TlsFiles> {
  if (configured.cert && configured.key) return { cert: configured.cert, key: configured.key };
  const dir = join(dataDir, 'tls');
  const files = { cert: join(dir, 'self-signed.crt'), key: join(dir, 'self-signed.key') };
  if (existsSync(files.cert) && existsSync(files.key)) return files;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const cn = hostname.replace(/[^A-Za-z0-9.-]/g, '') || 'localhost';
  try {
    await run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', files.key, '-out', files.cert, '-days', '3650', '-subj', `/CN=${cn}`,
      '-addext', `subjectAltName=DNS:${cn}`,
    ]);
  } catch (err) {
    throw new Error(`Cannot create a self-signed TLS certificate in ${dir} (is openssl installed?): ${(err as Error).message}`);
  }
  return files;
}

/**
 * TLS 1.2 or newer, modern ciphers only (Mozilla "intermediate" profile), and
 * no renegotiation. Node lets a client renegotiate a TLS 1.2 session up to
 * tls.CLIENT_RENEG_LIMIT times per window, each a full handshake the server
 * pays for: a cheap lever for CPU exhaustion (CVE-2011-1473), which testssl.sh
 * flags. OpenSSL's SSL_OP_NO_RENEGOTIATION answers any attempt with a
 * no_renegotiation alert (RFC 5746 still advertised, as it must be). It is set
 * on the one secure context both STARTTLS and implicit TLS sockets use.
 * TLS 1.3 has no renegotiation at all (RFC 8446 §4.1.2).
 */
export function serverTlsOptions(files: TlsFiles, minVersion: 'TLSv1.2' | 'TLSv1.3'): SecureContextOptions {
  return {
    cert: readFileSync(files.cert),
    key: readFileSync(files.key),
    minVersion,
    ciphers: [
      'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
      'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384',
      'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
    ].join(':'),
    honorCipherOrder: false,
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  };
}

