import type { DeliveryJob } from '../job.js';
import type { SiteHost } from '../mx.js';
import type { Route } from '../route.js';
import type { TlsClientSettings } from '../tls-policy.js';
import type { HostDemand, SourcePlan, TlsPolicySource } from './host-tls.js';
import { applyRequireTls, type MxAuthenticity } from './require-tls.js';

type RemoteRoute = Extract<Route, { kind: 'mx' | 'smarthost' }>;

/** Each MX host of an attempt with what it demands, in the order to try. */
export interface TlsPlan {
  readonly hosts: readonly { readonly host: SiteHost; readonly demand: HostDemand }[];
}

/**
 * Decides the TLS demand of every host of an attempt (DESIGN §9, the outbound
 * TLS seam): the policy sources in order (DANE first: RFC 8461 §2 lets DANE
 * win where both are published), the first with something to say about a
 * host decides it; a host no source speaks for gets the route's policy.
 *
 * Sources are not asked when the operator pinned the policy: a route with its
 * own `tls`, a smarthost (it is not the domain's MX, so neither DANE for the
 * MX nor the domain's MTA-STS policy names it), or `delivery.tls: none`.
 */
export class TlsPlanner {
  constructor(
    private readonly sources: readonly TlsPolicySource[] = [],
    private readonly options: {
      /** Settings for hosts no source speaks for (delivery.caFile's trust anchors for a route's required-verify). */
      readonly settings?: TlsClientSettings;
      /** REQUIRETLS: whether an MX answer was DNSSEC-validated (require-tls.ts). */
      readonly mxAuthenticity?: MxAuthenticity;
    } = {},
  ) {}

  async plan(job: DeliveryJob, route: RemoteRoute, hosts: readonly SiteHost[]): Promise<TlsPlan> {
    const plan = await this.policyPlan(job, route, hosts);
    // REQUIRETLS (RFC 8689): the message's own demand on top of the domain's policy; see require-tls.ts.
    return job.message.envelope.params.requireTls === undefined ? plan : applyRequireTls(job, route, plan, this.options.mxAuthenticity);
  }

  private async policyPlan(job: DeliveryJob, route: RemoteRoute, hosts: readonly SiteHost[]): Promise<TlsPlan> {
    const fallback = (): HostDemand => ({
      tls: route.tls,
      key: route.tls,
      ...(this.options.settings ? { settings: this.options.settings } : {}),
      policy: { type: pinned(route) ? 'route' : 'no-policy-found', domain: job.domain },
    });
    if (pinned(route) || this.sources.length === 0) return { hosts: hosts.map((host) => ({ host, demand: fallback() })) };
    const plans = (await Promise.all(this.sources.map((s) => s.plan(job.domain, hosts)))).filter((p): p is SourcePlan => p !== undefined);
    return {
      hosts: hosts.map((host) => {
        for (const p of plans) {
          const demand = p.forHost(host);
          if (demand) return { host, demand };
        }
        return { host, demand: fallback() };
      }),
    };
  }
}

function pinned(route: RemoteRoute): boolean {
  return route.kind === 'smarthost' || route.tlsPinned === true || route.tls === 'none';
}
