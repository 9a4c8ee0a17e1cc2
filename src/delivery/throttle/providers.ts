import type { ProviderRuleConfig } from '../../config/index.js';

/** A provider after merging the shipped table with the config. */
export interface Provider {
  readonly name: string;
  readonly mx: readonly string[];
  readonly connections?: number;
  readonly messagesPerConnection?: number;
  /** Per second. */
  readonly rate?: number;
  readonly recipientsPerMessage?: number;
}

/**
 * The shipped provider table: starting points for the large mailbox
 * providers, documented in docs/deliverability.md. Their published limits
 * are few (Gmail publishes none; Microsoft and Yahoo answer with throttling
 * codes instead), so these are conservative values that a new sending IP can
 * live with; the adaptive back-off does the rest. Rates per second.
 */
export const SHIPPED_PROVIDERS: readonly Provider[] = [
  { name: 'google', mx: ['*.google.com', '*.googlemail.com'], connections: 20, messagesPerConnection: 100, rate: 3000 / 60, recipientsPerMessage: 100 },
  {
    name: 'microsoft',
    mx: ['*.protection.outlook.com', '*.outlook.com', '*.hotmail.com'],
    connections: 10,
    messagesPerConnection: 50,
    rate: 1200 / 60,
    recipientsPerMessage: 100,
  },
  { name: 'yahoo', mx: ['*.yahoodns.net'], connections: 10, messagesPerConnection: 20, rate: 600 / 60, recipientsPerMessage: 100 },
  { name: 'apple', mx: ['*.mail.icloud.com'], connections: 10, messagesPerConnection: 50, rate: 600 / 60 },
  { name: 'gmx-webde', mx: ['*.gmx.net', '*.web.de'], connections: 5, messagesPerConnection: 20, rate: 300 / 60, recipientsPerMessage: 50 },
  { name: 'comcast', mx: ['*.comcast.net'], connections: 5, messagesPerConnection: 20, rate: 300 / 60 },
];

/** The shipped table with the config's entries merged over it by name (`false`: none at all). */
export function mergeProviders(config: false | readonly ProviderRuleConfig[], shipped: readonly Provider[] = SHIPPED_PROVIDERS): Provider[] {
  if (config === false) return [];
  const byName = new Map(shipped.map((p) => [p.name, p]));
  for (const c of config) {
    const base = byName.get(c.name);
    if (!c.enabled) {
      byName.delete(c.name);
      continue;
    }
    const mx = c.mx ?? base?.mx;
    if (!mx) throw new Error(`shaping.providers: provider "${c.name}" is not shipped, so it needs "mx" patterns`);
    byName.set(c.name, {
      ...base,
      name: c.name,
      mx,
      ...(c.connections !== undefined ? { connections: c.connections } : {}),
      ...(c.messagesPerConnection !== undefined ? { messagesPerConnection: c.messagesPerConnection } : {}),
      ...(c.rate !== undefined ? { rate: c.rate } : {}),
      ...(c.recipientsPerMessage !== undefined ? { recipientsPerMessage: c.recipientsPerMessage } : {}),
    });
  }
  return [...byName.values()];
}
