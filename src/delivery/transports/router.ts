import type { Config } from '../../config/index.js';
import { routeFor, siteKeyOf, type Route, type RouteKind } from '../route.js';
import type { Transport } from './transport.js';

/** What the router decides for a recipient domain. */
export interface Routed {
  readonly route: Route;
  readonly transport: Transport;
  /** The site before `Transport.locate` refines it. */
  readonly siteKey: string;
}

/**
 * Picks the transport for a recipient domain (DESIGN §9 Transport): local
 * domains to Maildir or LMTP, configured routes to a smarthost, the rest by
 * MX. A new transport is one more entry in the table this is built with.
 */
export class TransportRouter {
  constructor(
    private readonly config: Pick<Config, 'localDomains' | 'routes' | 'local' | 'delivery'>,
    private readonly transports: Readonly<Record<RouteKind, Transport>>,
  ) {}

  route(domain: string): Routed {
    const route = routeFor(domain, this.config);
    return { route, transport: this.transports[route.kind], siteKey: siteKeyOf(domain, route) };
  }
}
