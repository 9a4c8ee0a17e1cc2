import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { RecordResolver } from '../../dns/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import type { TlsClientSettings } from '../tls-policy.js';
import { loadCaBundle } from './ca-bundle.js';
import type { TlsPolicySource, TlsResultSink } from './host-tls.js';
import { httpsPolicyFetcher, MtaStsSource } from './mta-sts/index.js';

export interface OutboundTlsDeps {
  readonly config: Config;
  readonly resolver: RecordResolver;
  readonly stores: Stores;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface OutboundTls {
  /** DANE first, then MTA-STS (RFC 8461 §2). */
  readonly sources: readonly TlsPolicySource[];
  readonly results?: TlsResultSink;
  /** The settings every host's TLS starts from (delivery.caFile), for the planner's fallback (a route's required-verify). */
  readonly defaults?: TlsClientSettings;
  /** Background work (policy refresh, daily TLS-RPT reports) to stop at shutdown. */
  close(): Promise<void>;
}

/**
 * The outbound transport-security parts of a node from its config (issue 14):
 * DANE (delivery.dane), MTA-STS (delivery.mtaSts) and TLS-RPT (tlsRpt).
 */
export function setUpOutboundTls(deps: OutboundTlsDeps): OutboundTls {
  const { config } = deps;
  // delivery.caFile: read once here, so a bad file stops the start instead of failing each delivery.
  const ca = config.delivery.caFile !== undefined ? loadCaBundle(config.delivery.caFile) : undefined;
  const closers: (() => Promise<void>)[] = [];

  // MTA-STS (RFC 8461), after DANE.
  const mtaSts = config.delivery.mtaSts.enabled ? mtaStsSource(deps, ca) : undefined;
  if (mtaSts) closers.push(() => mtaSts.close());

  return {
    sources: [...(mtaSts ? [mtaSts] : [])],
    ...(ca ? { defaults: { ca } } : {}),
    close: async () => {
      for (const close of closers) await close();
    },
  };
}

function mtaStsSource(deps: OutboundTlsDeps, ca: readonly string[] | undefined): MtaStsSource {
  const { config, resolver, stores, clock, logger } = deps;
  const sts = config.delivery.mtaSts;
  const fetch = httpsPolicyFetcher({ resolver, port: sts.policyPort, timeoutMs: sts.fetchTimeout, maxBytes: sts.maxPolicySize, ...(ca ? { ca } : {}) });
  // Expired policies are pruned daily from the shared cache.
  return new MtaStsSource({ resolver, store: stores.mtaStsPolicies, fetch, clock, logger, defaultTls: config.delivery.tls, pruneEveryMs: 86_400_000, ...(ca ? { ca } : {}) });
}
