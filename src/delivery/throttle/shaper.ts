import type { Config, ShapingConfig } from '../../config/index.js';
import { DeliveryReplies, matchesDomain, type Clock } from '../../core/index.js';
import type { ShapedEvent } from '../../events/index.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';
import type { AdaptiveChange, AdaptiveSettings } from './adaptive.js';
import type { Provider } from './providers.js';
import { Scope, type ScopeLimits } from './scopes.js';
import type { SharedRates } from './shared-rates.js';
import type { Admission, Throttle } from './throttle.js';
import { isThrottlingReply } from './throttling-reply.js';

export interface ShaperDeps {
  readonly delivery: Pick<Config['delivery'], 'maxConnections' | 'maxConnectionsPerSite' | 'siteBackoff' | 'recipientsPerTransaction'>;
  readonly shaping: ShapingConfig;
  /** The shipped table merged with config (providers.ts). */
  readonly providers: readonly Provider[];
  readonly clock: Clock;
  /** A shaping unit slowed, paused or recovered: an event and a log line. */
  readonly onChange: (event: ShapedEvent) => void;
  /** Start rates shared with the other nodes of a cluster (cluster/cluster-rates.ts); absent: this node's alone. */
  readonly sharedRates?: SharedRates;
  /**
   * This node's part of a connection limit of a site, provider or domain rule
   * (a cluster: the limit divided by the live delivery nodes, rounded up);
   * absent: the whole limit. `delivery.maxConnections` is per node and not divided.
   */
  readonly connectionShare?: (limit: number) => number;
}

/** The budgets one job draws on, found once per site and domain. */
interface JobScopes {
  readonly all: readonly Scope[];
  readonly site: Scope;
  /** Adapts to the remote side: the provider, else the site. */
  readonly unit: Scope;
  readonly messagesPerConnection?: number;
  readonly recipientsPerMessage: number;
}

/**
 * The shaping throttle (DESIGN §9 Throttle): connection limits for the node
 * (`delivery.maxConnections`), each site (`delivery.maxConnectionsPerSite`)
 * and the matching rules of `shaping` (providers, sites, domains); start
 * rates; the site back-off after a site-level failure (`delivery.siteBackoff`);
 * and the adaptive rate of each provider (or site) that answers with
 * throttling replies. In this process's memory: a cluster-wide throttle is
 * another implementation of the same interface.
 */
export class Shaper implements Throttle {
  private readonly global: Scope;
  private readonly scopes = new Map<string, Scope>();
  private readonly byJob = new Map<string, JobScopes>();
  private readonly adaptive: AdaptiveSettings;

  constructor(private readonly deps: ShaperDeps) {
    this.global = new Scope('node', { connections: deps.delivery.maxConnections }, deps.clock.now());
    const a = deps.shaping.adaptive;
    this.adaptive = { enabled: a.enabled, minRate: a.minRate, pauseAfter: a.pauseAfter, pauseMs: a.pause, recoverAfter: a.recoverAfter };
  }

  admit(job: DeliveryJob): Admission {
    const now = this.deps.clock.now();
    const s = this.scopesOf(job);
    // A pause first: it is the longer wait, and its reason says why.
    const paused = s.unit.adapting?.pausedTill(now);
    if (paused !== undefined) {
      const outcome = { verdict: 'deferred' as const, scope: 'site' as const, stage: 'connect' as const, reply: DeliveryReplies.throttlePause(), error: `${s.unit.key} paused after repeated throttling replies` };
      return { kind: 'defer', outcome, until: paused };
    }
    if (s.site.backoffUntil > now && s.site.lastFailure) return { kind: 'defer', outcome: s.site.lastFailure, until: s.site.backoffUntil };
    if (this.global.full()) return { kind: 'wait', global: true };
    if (s.all.some((x) => x.full(x === this.global ? undefined : this.deps.connectionShare))) return { kind: 'wait' };
    const until = Math.max(...s.all.map((x) => x.nextStart(now)));
    if (until > now) return { kind: 'wait', until };
    const shared = this.sharedWait(s.all, now);
    if (shared !== undefined) return { kind: 'wait', until: shared };
    for (const x of s.all) x.start(now);
    if (this.adaptive.enabled) s.unit.adaptive(this.adaptive).started(now);
    return {
      kind: 'go',
      slot: {
        ...(s.messagesPerConnection !== undefined ? { messagesPerConnection: s.messagesPerConnection } : {}),
        done: (verdicts) => this.done(s, verdicts),
      },
    };
  }

  /** Cluster-wide rates: when any rated scope has no shared token yet, the time to ask again; else take one from each. */
  private sharedWait(all: readonly Scope[], now: number): number | undefined {
    const shared = this.deps.sharedRates;
    if (!shared) return undefined;
    let until: number | undefined;
    for (const x of all) {
      const rate = x.rate;
      if (rate === undefined) continue;
      const answer = shared.check(x.key, rate, now);
      if (answer !== true) until = Math.max(until ?? 0, answer);
    }
    if (until !== undefined) return until;
    for (const x of all) if (x.rate !== undefined) shared.take(x.key);
    return undefined;
  }

  recipientsPerTransaction(job: DeliveryJob): number {
    return this.scopesOf(job).recipientsPerMessage;
  }

  /** Forget scopes at rest (nothing in flight, no back-off, no pause or cut rate). */
  sweep(): void {
    const now = this.deps.clock.now();
    this.byJob.clear();
    for (const [key, scope] of this.scopes) if (scope.idle(now)) this.scopes.delete(key);
    this.deps.sharedRates?.sweep?.(now);
  }

  private done(s: JobScopes, verdicts: readonly RecipientVerdict[]): void {
    const now = this.deps.clock.now();
    for (const x of s.all) x.inFlight--;
    const delivered = verdicts.some((v) => v.outcome.verdict === 'delivered');
    const siteFailure = verdicts.find((v) => v.outcome.verdict === 'deferred' && v.outcome.scope === 'site');
    if (siteFailure && this.deps.delivery.siteBackoff > 0) {
      s.site.backoffUntil = now + this.deps.delivery.siteBackoff;
      s.site.lastFailure = siteFailure.outcome;
    } else if (delivered) {
      s.site.backoffUntil = 0;
      s.site.lastFailure = undefined;
    }
    if (!this.adaptive.enabled) return;
    const adaptive = s.unit.adaptive(this.adaptive);
    const throttling = verdicts.find((v) => v.outcome.verdict === 'deferred' && isThrottlingReply(v.outcome.reply))?.outcome.reply;
    const change = throttling ? adaptive.throttled(throttling, now) : delivered ? adaptive.delivered() : undefined;
    if (change) this.changed(s.unit, change, now);
  }

  private changed(unit: Scope, change: AdaptiveChange, now: number): void {
    if (change.action !== 'paused') unit.setRate(change.rate, now);
    this.deps.onChange({
      type: 'shaped',
      at: now,
      scope: unit.key,
      action: change.action,
      ...(change.action !== 'paused' && change.rate !== undefined ? { rate: change.rate } : {}),
      ...(change.action === 'paused' ? { until: change.until } : {}),
      ...(change.action !== 'recovered' ? { reply: change.reply } : {}),
    });
  }

  private scopesOf(job: DeliveryJob): JobScopes {
    const key = `${job.siteKey}|${job.domain}`;
    const known = this.byJob.get(key);
    if (known) return known;
    const now = this.deps.clock.now();
    // A site is known by its most preferred MX host (backup MX hosts elsewhere do not change who it is).
    const primary = job.mx?.ok ? job.mx.hosts[0]?.host : undefined;
    const { shaping, delivery } = this.deps;
    const siteRule = primary ? shaping.sites.find((r) => matchesDomain(primary, r.mx)) : undefined;
    const provider = primary ? this.deps.providers.find((p) => matchesDomain(primary, p.mx)) : undefined;
    const domainIndex = shaping.domains.findIndex((r) => matchesDomain(job.domain, r.domains));
    const domainRule = domainIndex >= 0 ? shaping.domains[domainIndex] : undefined;
    const siteLimits: ScopeLimits = {
      ...(siteRule?.rate !== undefined ? { rate: siteRule.rate } : {}),
      connections: Math.min(delivery.maxConnectionsPerSite, siteRule?.connections ?? Infinity),
    };
    const site = this.scope(`site:${job.siteKey}`, siteLimits, now);
    const providerScope = provider ? this.scope(`provider:${provider.name}`, provider, now) : undefined;
    const domainScope = domainRule ? this.scope(`domains:${domainIndex}`, domainRule, now) : undefined;
    const rules: readonly (ScopeLimits | undefined)[] = [domainRule, siteRule, provider];
    const messagesPerConnection = rules.find((r) => r?.messagesPerConnection !== undefined)?.messagesPerConnection;
    const recipientsPerMessage = Math.min(delivery.recipientsPerTransaction, ...rules.map((r) => r?.recipientsPerMessage ?? Infinity));
    const found: JobScopes = {
      all: [this.global, site, ...(providerScope ? [providerScope] : []), ...(domainScope ? [domainScope] : [])],
      site,
      unit: providerScope ?? site,
      ...(messagesPerConnection !== undefined ? { messagesPerConnection } : {}),
      recipientsPerMessage,
    };
    this.byJob.set(key, found);
    return found;
  }

  private scope(key: string, limits: ScopeLimits, now: number): Scope {
    let s = this.scopes.get(key);
    if (!s) {
      s = new Scope(key, limits, now);
      this.scopes.set(key, s);
    }
    return s;
  }
}
