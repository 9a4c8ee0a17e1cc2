import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { RecordResolver } from '../../dns/index.js';
import type { SingletonLoop } from '../../cluster/index.js';
import type { Intake } from '../../intake/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import type { TlsClientSettings } from '../tls-policy.js';
import { loadCaBundle } from './ca-bundle.js';
import { DaneSource } from './dane/index.js';
import type { TlsPolicySource, TlsResultSink } from './host-tls.js';
import { httpsPolicyFetcher, MtaStsSource } from './mta-sts/index.js';
import { buildDailyLoop, TlsRptRecorder } from './tls-rpt/index.js';

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
  /** The daily TLS-RPT reports (tlsRpt.enabled), for cluster.leaders; given the intake once main.ts has built it. */
  readonly reportLoop?: (intake: Intake) => SingletonLoop;
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
  const { config, resolver, stores, clock, logger } = deps;
  // delivery.caFile: read once here, so a bad file stops the start instead of failing each delivery.
  const ca = config.delivery.caFile !== undefined ? loadCaBundle(config.delivery.caFile) : undefined;
  const closers: (() => Promise<void>)[] = [];
  const sources: TlsPolicySource[] = [];

  // DANE (RFC 7672): first, RFC 8461 §2 lets DANE win where a domain publishes both.
  if (config.delivery.dane.enabled) sources.push(new DaneSource({ resolver, port: config.delivery.port, clock }));

  // MTA-STS (RFC 8461), after DANE.
  if (config.delivery.mtaSts.enabled) {
    const mtaSts = mtaStsSource(deps, ca);
    sources.push(mtaSts);
    closers.push(() => mtaSts.close());
  }

  // TLS-RPT (RFC 8460): counted in memory on every delivery node, flushed to the shared store every few seconds.
  const recorder = config.tlsRpt.enabled ? new TlsRptRecorder({ store: stores.tlsRpt, clock, logger }) : undefined;
  recorder?.start();
  if (recorder) closers.push(() => recorder.stop());

  return {
    sources,
    ...(ca ? { defaults: { ca } } : {}),
    ...(recorder ? { results: recorder, reportLoop: (intake: Intake) => buildDailyLoop({ config, store: stores.tlsRpt, resolver, clock, logger, intake }) } : {}),
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
