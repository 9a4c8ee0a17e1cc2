import { z } from 'zod';
import { int } from './values.js';

/**
 * Compromised-account containment (docs/deliverability.md#containment): an
 * authenticated user whose sending jumps far above its own baseline, or whose
 * mail bounces or is complained about too often, has its new mail queued held
 * until an operator runs `baton queue release --user NAME`.
 */
export const containmentSchema = z.strictObject({
  /** Watch authenticated users' sending and contain them on the triggers below. */
  enabled: z.boolean().default(true),
  /** Contain a user whose messages this hour exceed this many times its baseline (its decaying average of messages per hour)... */
  rateFactor: z.number().min(1).max(1000).default(10),
  /** ...and this many messages: a new or quiet user is not contained for a handful of mails. */
  minMessages: int(1, 10_000_000).default(500),
  /** Contain a user when this share of its recipients today hard-bounced (0.1 = 10%)... */
  bounceRate: z.number().gt(0).max(1).default(0.1),
  /** ...or this share complained (0.003 = 0.3%, the rate Gmail and Yahoo ask bulk senders to stay below)... */
  complaintRate: z.number().gt(0).max(1).default(0.003),
  /** ...once it has sent to at least this many recipients today. */
  minSample: int(1, 10_000_000).default(200),
});

export type ContainmentConfig = z.output<typeof containmentSchema>;

const limit = int(1, 1_000_000_000).optional();

/** Sending quotas of authenticated users (docs/deliverability.md#quotas). */
export const quotasSchema = z.strictObject({
  /**
   * Limits for every authenticated user, field by field, where the user has
   * none of its own (`baton user set NAME --messages-per-hour N` overrides one).
   */
  default: z
    .strictObject({ messagesPerHour: limit, messagesPerDay: limit, recipientsPerMessage: limit, recipientsPerDay: limit })
    .default({}),
});

export type QuotasConfig = z.output<typeof quotasSchema>;
