import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { RecordResolver } from '../../dns/index.js';
import type { Logger } from '../../log/index.js';
import type { Stores } from '../../stores/index.js';
import { DaneSource } from './dane/index.js';
import type { TlsPolicySource, TlsResultSink } from './host-tls.js';

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
  /** Background work (policy refresh, daily TLS-RPT reports) to stop at shutdown. */
  close(): Promise<void>;
}

/**
 * The outbound transport-security parts of a node from its config (issue 14):
 * DANE (delivery.dane), MTA-STS (delivery.mtaSts) and TLS-RPT (tlsRpt).
 */
export function setUpOutboundTls(deps: OutboundTlsDeps): OutboundTls {
  const sources: TlsPolicySource[] = [];
  // DANE (Part C): first, RFC 8461 §2 lets DANE win where a domain publishes both.
  if (deps.config.delivery.dane.enabled) sources.push(new DaneSource({ resolver: deps.resolver, port: deps.config.delivery.port, clock: deps.clock }));
  return { sources, close: async () => {} };
}
