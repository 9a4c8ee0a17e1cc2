import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Baton, StartOptions } from './baton.js';
import type { PostfixSmtpd } from './postfix-smtpd.js';

/**
 * Shared pieces of the outbound TLS e2e tests (DANE, MTA-STS, TLS-RPT,
 * REQUIRETLS): the sending Baton's config, one file of test trust anchors for
 * `delivery.caFile`, failure messages with every peer's log, and teardown.
 */

/** The sending Baton: one MX listener, local.test delivered to Maildirs (DSNs and reports come back there), DNS from the test resolver. */
export function senderConfig(opts: {
  /** "IP:PORT" of dnsmasq or unbound. */
  readonly dns: string;
  /** dns.timeout: short for dnsmasq, longer for unbound, which validates. */
  readonly dnsTimeout?: string;
  readonly delivery: Readonly<Record<string, unknown>>;
  /** Further top-level sections (tlsRpt, routes, ...). */
  readonly extra?: Readonly<Record<string, unknown>>;
}): StartOptions['config'] {
  return {
    listeners: [{ role: 'mx' }],
    localDomains: ['local.test'],
    local: { maildir: 'mail/{domain}/{user}' },
    dns: { servers: [opts.dns], timeout: opts.dnsTimeout ?? '3s' },
    delivery: opts.delivery,
    ...opts.extra,
  };
}

/** DIR/trust.pem holding every certificate of `pems` (test CAs), for delivery.caFile. */
export async function writeTrustFile(dir: string, pems: readonly string[]): Promise<string> {
  const file = join(dir, 'trust.pem');
  await writeFile(file, (await Promise.all(pems.map((p) => readFile(p, 'utf8')))).join('\n'));
  return file;
}

/** Runs a test body under `pf.explain`; on failure the end of each named log (unbound's, Baton's) is added to the error. */
export function explainWith(pf: () => PostfixSmtpd, logs: Readonly<Record<string, () => string>>) {
  return <T>(fn: () => Promise<T>): Promise<T> =>
    pf().explain(async () => {
      try {
        return await fn();
      } catch (err) {
        if (err instanceof Error) for (const [name, log] of Object.entries(logs)) err.message += `\n--- ${name} ---\n${log().slice(-4000)}`;
        throw err;
      }
    });
}

/**
 * Stops the Batons first (they hold connections to the peers), then the peers,
 * then removes `dir`. Every step runs; the first failure (a Baton's stop
 * throws on an unexpected internal error in its log) is thrown at the end.
 */
export async function stopAll(batons: readonly (Baton | undefined)[], peers: readonly ({ stop(): Promise<unknown> } | undefined)[], dir?: string): Promise<void> {
  let failure: unknown;
  for (const s of [...batons, ...peers]) {
    try {
      await s?.stop();
    } catch (err) {
      failure ??= err;
    }
  }
  if (dir) await rm(dir, { recursive: true, force: true });
  if (failure !== undefined) throw failure;
}
