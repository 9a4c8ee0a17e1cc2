import { parseConfig } from '../../src/config/index.js';
import type { Clock } from '../../src/core/index.js';
import type { DnsResolver, RecordResolver } from '../../src/dns/index.js';
import { openSqliteGreylistStore, type GreylistStore } from '../../src/greylist/index.js';
import { silentLogger } from '../../src/log/index.js';
import type { DnsblDeps, GreylistDeps, HeloDeps, UnknownSenderDeps } from '../../src/smtp/policy/checks/index.js';
import { DnsblScorer } from '../../src/smtp/index.js';

/** A resolver that knows nothing: every name is NXDOMAIN, unless a test gives answers. */
export const emptyResolver: RecordResolver = {
  lookup: async (name) => ({ ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: `${name}: no such domain` } }),
  resolveMx: async (name) => ({ ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: `${name}: no such domain` } }),
  resolveAddresses: async (name) => ({ ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: `${name}: no such domain` } }),
  resolveTxt: async (name) => ({ ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: `${name}: no such domain` } }),
  resolveTlsa: async (name) => ({ ok: false, error: { kind: 'nxdomain', code: 'NXDOMAIN', message: `${name}: no such domain` } }),
};

export interface ReputationOptions {
  /** Top-level config sections `dnsbl`, `helo`, `greylist` (defaults when absent). */
  readonly config?: Record<string, unknown>;
  readonly resolver?: RecordResolver & DnsResolver;
  readonly clock?: Clock;
  readonly store?: GreylistStore;
}

/**
 * What the client-reputation checks (dnsbl, helo, unknown-sender, greylist)
 * are built with in unit tests: the config's defaults (no DNS lists), a
 * resolver that answers NXDOMAIN, a greylist store in memory.
 */
export function reputationDeps(o: ReputationOptions = {}): { dnsbl: DnsblDeps; helo: HeloDeps; unknownSender: UnknownSenderDeps; greylist: GreylistDeps } {
  const config = parseConfig({ hostname: 'mx.baton.test', ...o.config }, '/tmp');
  const resolver = o.resolver ?? emptyResolver;
  const logger = silentLogger();
  const scorer = new DnsblScorer(config.dnsbl.sites, resolver, config.dnsbl.timeout);
  return {
    dnsbl: { scorer, threshold: config.dnsbl.threshold, timeoutMs: config.dnsbl.timeout, logger },
    helo: { config: config.helo, hostname: config.hostname, ourAddresses: ['192.0.2.25', '2001:db8::25'], logger },
    unknownSender: { resolver, logger },
    greylist: { config: config.greylist, store: o.store ?? openSqliteGreylistStore({ path: ':memory:' }), clock: o.clock ?? { now: () => Date.now() }, scorer, logger },
  };
}
