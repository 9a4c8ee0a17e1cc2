import { splitHostPort, type Config, type RouteConfig, type TlsPolicy } from '../config/index.js';
import { matchesDomain } from '../core/index.js';

/**
 * Where mail for a recipient domain goes (config `routes`, first match wins):
 * local delivery for `localDomains`, a smarthost, or MX lookup.
 */
export type Route =
  | { readonly kind: 'local' }
  | {
      readonly kind: 'smarthost';
      readonly host: string;
      readonly port: number;
      readonly tls: TlsPolicy;
      readonly auth?: { readonly user: string; readonly pass: string };
    }
  | { readonly kind: 'mx'; readonly tls: TlsPolicy };

export function routeFor(domain: string, config: Config): Route {
  if (matchesDomain(domain, config.localDomains)) return { kind: 'local' };
  const route = config.routes.find((r) => matches(domain, r));
  if (route?.smarthost) {
    const { host, port } = splitHostPort(route.smarthost) as { host: string; port: number };
    return { kind: 'smarthost', host, port, tls: route.tls ?? config.delivery.tls, ...(route.auth ? { auth: route.auth } : {}) };
  }
  return { kind: 'mx', tls: route?.tls ?? config.delivery.tls };
}

function matches(domain: string, route: RouteConfig): boolean {
  return route.domains.includes('*') || matchesDomain(domain, route.domains);
}

/**
 * The destination a recipient is queued under: its concurrency limit and its
 * backoff apply to all mail going there (Postfix's per-destination queues).
 */
export function destinationKey(domain: string, route: Route): string {
  switch (route.kind) {
    case 'local':
      return 'local:';
    case 'smarthost':
      return `smarthost:${route.host}:${route.port}`;
    case 'mx':
      return `mx:${domain}`;
  }
}
