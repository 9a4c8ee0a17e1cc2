import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { domainName, duration, int, rate } from './values.js';

/**
 * Delivery shaping (DESIGN §9 Throttle): limits per recipient domain, per
 * site and per provider, and the adaptive back-off that follows what remote
 * servers say. docs/deliverability.md explains each key and the shipped
 * provider table.
 */

/** What a rule may limit; each is optional (unset: no limit of that kind from this rule). */
const limits = {
  /** Simultaneous connections (attempts in flight). */
  connections: int(1, 10_000).optional(),
  /** Transactions over one connection before it is closed. */
  messagesPerConnection: int(1, 100_000).optional(),
  /** Messages started per unit of time: "600/min". */
  rate: rate('1/d', '100000/s').optional(),
  /** Recipients in one transaction. */
  recipientsPerMessage: int(1, 10_000).optional(),
};

const mxPatterns = z.array(domainName).min(1);

/** A provider: every site whose MX hosts match shares one budget (gmail.com and a Google-hosted company domain alike). */
export const providerRuleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a provider name is lower-case letters, digits and "-"'),
  /** MX host patterns: "*.google.com". Required for a new provider; replaces the shipped ones for a shipped name. */
  mx: mxPatterns.optional(),
  /** false turns a shipped provider off. */
  enabled: z.boolean().default(true),
  ...limits,
});

export const shapingSchema = z.strictObject({
  /**
   * Providers, merged by name over the shipped table (delivery/throttle/providers.ts):
   * an entry with a shipped name overrides its fields, a new name adds one.
   * `false` turns the shipped table off and uses none.
   */
  providers: z.union([z.literal(false), z.array(providerRuleSchema)]).default([]),
  /** Limits of each site (MX set) whose MX hosts match: every such site has its own budget. */
  sites: z.array(z.strictObject({ mx: mxPatterns, ...limits })).default([]),
  /** Limits per recipient domain ("example.com", "*.example.org"), a budget per rule. */
  domains: z.array(z.strictObject({ domains: z.array(domainName).min(1), ...limits })).default([]),
  /** Back-off that follows the remote side: halve the rate on 421 or a throttling reply, pause when it keeps pushing back, ramp up on success. */
  adaptive: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** The rate is never cut below this. */
      minRate: rate('1/d', '100000/s').default(1),
      /** This many throttling replies in a row, with no delivery between them, pause the provider or site. */
      pauseAfter: int(1, 100).default(3),
      pause: duration('1s', '1d').default(parseDuration('5m')),
      /** Deliveries in a row after which a cut rate grows by a quarter. */
      recoverAfter: int(1, 10_000).default(10),
    })
    .prefault({}),
});

export type ShapingConfig = z.output<typeof shapingSchema>;
export type ProviderRuleConfig = z.output<typeof providerRuleSchema>;
