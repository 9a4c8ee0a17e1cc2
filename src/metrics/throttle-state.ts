import { Gauge, type Registry } from 'prom-client';
import type { EventBus, ShapedEvent } from '../events/index.js';
import { BoundedLabel } from './labels.js';

interface ScopeState {
  readonly action: 'slowed' | 'paused';
  readonly rate?: number;
  readonly until?: number;
}

/**
 * Delivery shaping now in force, from `shaped` events (DESIGN §9 Throttle).
 * Providers are named in config, so each gets its own series; sites are
 * named by their MX hosts (unbounded, DESIGN §10), so they are only counted.
 * The state is this process's view since it started: a process that starts
 * while a provider is paused shows it once the shaper says so again.
 */
export class ThrottleState {
  private readonly scopes = new Map<string, ScopeState>();
  private readonly providers = new BoundedLabel(100);

  constructor(registry: Registry, now: () => number) {
    const registers = [registry];
    const scopes = this.scopes;
    const providers = this.providers;
    new Gauge({
      name: 'baton_throttle_rate_per_second',
      help: 'Delivery starts per second allowed now for a provider the adaptive back-off slowed (absent: no limit in force)',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        for (const [scope, s] of scopes) if (s.action === 'slowed' && s.rate !== undefined && scope.startsWith('provider:')) this.labels(providers.of(scope.slice(9))).set(s.rate);
      },
    });
    new Gauge({
      name: 'baton_throttle_paused',
      help: '1 while delivery to a provider is paused by the adaptive back-off',
      labelNames: ['provider'],
      registers,
      collect() {
        this.reset();
        const t = now();
        for (const [scope, s] of scopes) if (scope.startsWith('provider:')) this.labels(providers.of(scope.slice(9))).set(s.action === 'paused' && (s.until ?? Infinity) > t ? 1 : 0);
      },
    });
    new Gauge({
      name: 'baton_throttle_sites',
      help: 'Sites (MX sets) whose delivery is slowed or paused now',
      labelNames: ['state'],
      registers,
      collect() {
        const t = now();
        let slowed = 0;
        let paused = 0;
        for (const [scope, s] of scopes) {
          if (scope.startsWith('provider:')) continue;
          if (s.action === 'slowed') slowed++;
          else if ((s.until ?? Infinity) > t) paused++;
          // A pause that ran out needs no 'recovered' event: forget it, so the map holds only live state.
          else scopes.delete(scope);
        }
        this.labels('slowed').set(slowed);
        this.labels('paused').set(paused);
      },
    });
  }

  attach(bus: EventBus): () => void {
    return bus.subscribe(['shaped'], (e) => this.apply(e as ShapedEvent));
  }

  apply(e: ShapedEvent): void {
    if (e.action === 'recovered') {
      this.scopes.delete(e.scope);
      return;
    }
    this.scopes.set(e.scope, { action: e.action, ...(e.rate !== undefined ? { rate: e.rate } : {}), ...(e.until !== undefined ? { until: e.until } : {}) });
  }
}
