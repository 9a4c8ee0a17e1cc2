import type { Clock } from '../../../core/index.js';
import type { RecordResolver } from '../../../dns/index.js';
import type { Logger } from '../../../log/index.js';
import type { SiteHost } from '../../mx.js';
import type { TlsPolicy } from '../../tls-policy.js';
import type { PolicyExplanation, SourcePlan, TlsPolicySource } from '../host-tls.js';
import { explainMtaSts } from './explain.js';
import { StsPolicyCache } from './policy-cache.js';
import type { PolicyFetcher } from './policy-fetcher.js';
import { stsPlan } from './sts-plan.js';
import type { StsPolicyStore } from './store/index.js';

export interface MtaStsSourceOptions {
  readonly resolver: RecordResolver;
  readonly store: StsPolicyStore;
  readonly fetch: PolicyFetcher;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly defaultTls: TlsPolicy;
  readonly ca?: readonly string[];
  /** Forget expired policies this often (absent: never; the CLI does not). */
  readonly pruneEveryMs?: number;
}

/**
 * MTA-STS (RFC 8461) as a TLS policy source: the planner asks it, after DANE,
 * what each MX host of a domain demands. Cheap when the domain's answers are
 * cached (a TXT from the resolver's cache, the policy from memory).
 */
export class MtaStsSource implements TlsPolicySource {
  readonly name = 'mta-sts';
  private readonly cache: StsPolicyCache;
  private readonly pruner: NodeJS.Timeout | undefined;

  constructor(private readonly opts: MtaStsSourceOptions) {
    this.cache = new StsPolicyCache(opts);
    if (opts.pruneEveryMs !== undefined) {
      this.pruner = setInterval(() => void this.pruneExpired(), opts.pruneEveryMs);
      this.pruner.unref();
    }
  }

  /** An expired policy never applies again (RFC 8461 §5.1), so its row only takes room. Every node may run this: it is one DELETE. */
  async pruneExpired(): Promise<number> {
    try {
      return await this.opts.store.prune(this.opts.clock.now());
    } catch (err) {
      this.opts.logger.warn({ err: (err as Error).message }, 'pruning expired MTA-STS policies failed; tried again later');
      return 0;
    }
  }

  async plan(domain: string, _hosts: readonly SiteHost[]): Promise<SourcePlan | undefined> {
    try {
      const policy = await this.cache.current(domain);
      return policy ? stsPlan(domain, policy, this.opts) : undefined;
    } catch (err) {
      // A bug or an unexpected failure here must not stop delivery for the domain; it is logged loudly.
      this.opts.logger.error({ domain, err }, 'MTA-STS lookup failed unexpectedly; delivering without the policy');
      return undefined;
    }
  }

  explain(domain: string, hosts: readonly SiteHost[]): Promise<PolicyExplanation> {
    return explainMtaSts(domain, hosts, this.opts);
  }

  /** Waits for background refreshes (node shutdown). */
  close(): Promise<void> {
    if (this.pruner) clearInterval(this.pruner);
    return this.cache.settle();
  }
}
