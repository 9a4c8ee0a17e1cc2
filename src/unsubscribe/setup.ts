import { splitHostPort, type Config } from '../config/index.js';
import type { Clock } from '../core/index.js';
import type { Logger } from '../log/index.js';
import type { NewSuppression } from '../suppression/index.js';
import { UnsubscribeEndpoint, type PublicMount } from './http-endpoint.js';
import { MailtoUnsubscribe } from './mailto.js';
import { UnsubscribeTokens } from './tokens.js';

export interface UnsubscribeParts {
  readonly tokens: UnsubscribeTokens;
  /** For the List-Unsubscribe outbound transform. */
  readonly baseUrl: string;
  readonly mailtoDomain?: string;
  /** Served by this node when `unsubscribe.address` is set. */
  readonly endpoint?: { readonly server: UnsubscribeEndpoint; readonly host: string; readonly port: number };
  readonly mailto?: MailtoUnsubscribe;
}

/** One-click unsubscribe from config `unsubscribe`; undefined when it is not configured. Nothing starts here. */
export function buildUnsubscribe(
  config: Pick<Config, 'unsubscribe'>,
  deps: {
    readonly suppress: (entries: readonly Omit<NewSuppression, 'createdAt'>[]) => Promise<unknown>;
    readonly clock: Clock;
    readonly logger: Logger;
    /** More public pages on the endpoint (campaigns' confirmation links, forms, tracking). */
    readonly mounts?: readonly PublicMount[];
  },
): UnsubscribeParts | undefined {
  const c = config.unsubscribe;
  if (!c) return undefined;
  const tokens = new UnsubscribeTokens({ keys: c.secrets, clock: deps.clock, ...(c.maxAge !== undefined ? { maxAgeMs: c.maxAge } : {}) });
  const common = { tokens, scope: c.scope, suppress: deps.suppress, logger: deps.logger };
  const at = c.address === undefined ? undefined : splitHostPort(c.address);
  return {
    tokens,
    baseUrl: c.baseUrl,
    ...(c.mailtoDomain !== undefined ? { mailtoDomain: c.mailtoDomain, mailto: new MailtoUnsubscribe({ ...common, domain: c.mailtoDomain }) } : {}),
    ...(at ? { endpoint: { server: new UnsubscribeEndpoint({ ...common, ...(deps.mounts ? { mounts: deps.mounts } : {}) }), host: at.host, port: at.port } } : {}),
  };
}
