import { createHash } from 'node:crypto';
import { splitHostPort, type Config, type RouteConfig, type TlsPolicy } from '../config/index.js';
import { matchesDomain } from '../core/index.js';

/** Where local mail goes when the config names neither Maildir nor LMTP. */
export const DEFAULT_MAILDIR = 'mail/{domain}/{user}';

/**
 * Where mail for a recipient domain goes, with what the transport needs to
 * get it there: for `localDomains` a Maildir or an LMTP server (`local`), a
 * smarthost or MX lookup (config `routes`, first match wins).
 */
export type Route =
  | { readonly kind: 'maildir'; readonly template: string }
  | { readonly kind: 'lmtp'; readonly host: string; readonly port: number }
  | {
      readonly kind: 'smarthost';
      readonly host: string;
      readonly port: number;
      readonly tls: TlsPolicy;
      readonly auth?: { readonly user: string; readonly pass: string };
    }
  | {
      readonly kind: 'mx';
      readonly tls: TlsPolicy;
      /** The route set `tls` itself: DANE and MTA-STS are not consulted (delivery/tls/tls-planner.ts). */
      readonly tlsPinned?: true;
    };

export type RouteKind = Route['kind'];

export function routeFor(domain: string, config: Pick<Config, 'localDomains' | 'routes' | 'local' | 'delivery'>): Route {
  if (matchesDomain(domain, config.localDomains)) {
    if (config.local.lmtp) {
      const { host, port } = splitHostPort(config.local.lmtp) as { host: string; port: number };
      return { kind: 'lmtp', host, port };
    }
    return { kind: 'maildir', template: config.local.maildir ?? DEFAULT_MAILDIR };
  }
  const route = config.routes.find((r) => matches(domain, r));
  if (route?.smarthost) {
    const { host, port } = splitHostPort(route.smarthost) as { host: string; port: number };
    return { kind: 'smarthost', host, port, tls: route.tls ?? config.delivery.tls, ...(route.auth ? { auth: route.auth } : {}) };
  }
  return route?.tls ? { kind: 'mx', tls: route.tls, tlsPinned: true } : { kind: 'mx', tls: config.delivery.tls };
}

function matches(domain: string, route: RouteConfig): boolean {
  return route.domains.includes('*') || matchesDomain(domain, route.domains);
}

/**
 * The site (DESIGN §7) a recipient is queued under before its MX set is known:
 * its concurrency limit and back-off apply to all mail going there (Postfix's
 * per-destination queues). The SMTP transport refines an `mx:` site to the
 * MX host set once resolved, so domains on the same hosts share one site.
 */
export function siteKeyOf(domain: string, route: Route): string {
  switch (route.kind) {
    case 'maildir':
      return 'local:maildir';
    case 'lmtp':
      return `local:lmtp:${route.host}:${route.port}`;
    case 'smarthost':
      // The TLS policy and credentials are part of it, as of the pool key: a
      // route whose own AUTH is refused must not back off another route's mail.
      return `smarthost:${route.host}:${route.port}:${route.tls}:${credentialTag(route.auth)}`;
    case 'mx':
      return `mx:${domain}`;
  }
}

/**
 * Tells credentials apart without holding the password in a key that may be
 * logged: the user and a short hash of user and password ("" without AUTH).
 */
export function credentialTag(auth: { readonly user: string; readonly pass: string } | undefined): string {
  if (!auth) return '';
  const digest = createHash('sha256').update(`${auth.user}\0${auth.pass}`).digest('base64url').slice(0, 12);
  return `${auth.user}#${digest}`;
}
