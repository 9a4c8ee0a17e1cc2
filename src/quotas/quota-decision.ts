import type { UserLimits } from '../users/index.js';
import { DAY_MS, HOUR_MS, type UserCounts } from './windows.js';

/**
 * The limits that apply to a user: its own, field by field over the config's
 * `quotas.default`. Undefined when neither sets any (nothing to check).
 */
export function effectiveLimits(defaults: DefaultLimits | undefined, own: UserLimits | undefined): UserLimits | undefined {
  if (!defaults) return own;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(defaults)) if (v !== undefined) out[k] = v;
  if (Object.keys(out).length === 0) return own;
  return { ...out, ...own };
}

/** Config `quotas.default` as parsed (absent fields may be present as undefined). */
export type DefaultLimits = { readonly [K in keyof UserLimits]?: number | undefined };

/** A sending quota the user has reached (docs/deliverability.md#quotas). */
export interface QuotaBreach {
  readonly limit: keyof UserLimits;
  readonly max: number;
  readonly window: 'hour' | 'day' | 'message';
  /** When the window ends (hour and day windows). */
  readonly retryAt?: number;
}

/**
 * At MAIL: may the user start another message? No when this hour's or this
 * day's messages have reached their limit. The day is checked first: its
 * retry time is the later one, so the client is not sent back too early.
 */
export function messageBreach(limits: UserLimits | undefined, c: UserCounts): QuotaBreach | undefined {
  if (!limits) return undefined;
  if (limits.messagesPerDay !== undefined && c.dayMessages >= limits.messagesPerDay) {
    return { limit: 'messagesPerDay', max: limits.messagesPerDay, window: 'day', retryAt: c.dayStart + DAY_MS };
  }
  if (limits.messagesPerHour !== undefined && c.hourMessages >= limits.messagesPerHour) {
    return { limit: 'messagesPerHour', max: limits.messagesPerHour, window: 'hour', retryAt: c.hourStart + HOUR_MS };
  }
  return undefined;
}

/**
 * At RCPT: may this message have one more recipient? `accepted` is how many
 * it has so far; they are not yet in the day's count (that happens when the
 * message is queued).
 */
export function recipientBreach(limits: UserLimits | undefined, c: UserCounts, accepted: number): QuotaBreach | undefined {
  if (!limits) return undefined;
  if (limits.recipientsPerMessage !== undefined && accepted >= limits.recipientsPerMessage) {
    return { limit: 'recipientsPerMessage', max: limits.recipientsPerMessage, window: 'message' };
  }
  if (limits.recipientsPerDay !== undefined && c.dayRecipients + accepted >= limits.recipientsPerDay) {
    return { limit: 'recipientsPerDay', max: limits.recipientsPerDay, window: 'day', retryAt: c.dayStart + DAY_MS };
  }
  return undefined;
}

const WHAT: Record<keyof UserLimits, readonly [string, string]> = {
  messagesPerHour: ['message', 'per hour'],
  messagesPerDay: ['message', 'per day'],
  recipientsPerMessage: ['recipient', 'per message'],
  recipientsPerDay: ['recipient', 'per day'],
};

/**
 * The reply text after "451 4.7.1": which limit, for whom, and what to do.
 * "Sending quota exceeded: 100 messages per hour for alice; try again after 14:00 UTC"
 */
export function breachText(b: QuotaBreach, user: string): string {
  const [noun, per] = WHAT[b.limit];
  const head = `Sending quota exceeded: ${b.max} ${noun}${b.max === 1 ? '' : 's'} ${per} for ${user}`;
  if (b.retryAt === undefined) return `${head}; send the other recipients in another message`;
  const iso = new Date(b.retryAt).toISOString();
  const when = b.window === 'hour' ? `${iso.slice(11, 16)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `${head}; try again after ${when}`;
}
