import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { RecordResolver } from '../../dns/index.js';
import type { SingletonLoop } from '../../cluster/index.js';
import type { Intake } from '../../intake/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import { DaneSource } from './dane/index.js';
import type { TlsPolicySource, TlsResultSink } from './host-tls.js';
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
  /** Background work (policy refresh, daily TLS-RPT reports) to stop at shutdown. */
  close(): Promise<void>;
}

/**
 * The outbound transport-security parts of a node from its config (issue 14):
 * DANE (delivery.dane), MTA-STS (delivery.mtaSts) and TLS-RPT (tlsRpt).
 */
export function setUpOutboundTls(deps: OutboundTlsDeps): OutboundTls {
  const { config, resolver, stores, clock, logger } = deps;
  const sources: TlsPolicySource[] = [];
  // DANE (Part C): first, RFC 8461 §2 lets DANE win where a domain publishes both.
  if (config.delivery.dane.enabled) sources.push(new DaneSource({ resolver, port: config.delivery.port, clock }));
  // TLS-RPT (RFC 8460): counted in memory on every delivery node, flushed to the shared store every few seconds.
  const recorder = config.tlsRpt.enabled ? new TlsRptRecorder({ store: stores.tlsRpt, clock, logger }) : undefined;
  recorder?.start();
  return {
    sources,
    ...(recorder ? { results: recorder, reportLoop: (intake: Intake) => buildDailyLoop({ config, store: stores.tlsRpt, resolver, clock, logger, intake }) } : {}),
    close: async () => {
      await recorder?.stop();
    },
  };
}
