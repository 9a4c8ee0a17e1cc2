import type { UserLimits } from '../users/index.js';
import { DAY_MS, HOUR_MS, type UserCounts } from './windows.js';

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

const WHAT: Record<keyof UserLimits, string> = {
  messagesPerHour: 'messages per hour',
  messagesPerDay: 'messages per day',
  recipientsPerMessage: 'recipients per message',
  recipientsPerDay: 'recipients per day',
};

/**
 * The reply text after "451 4.7.1": which limit, for whom, and what to do.
 * "Sending quota exceeded: 100 messages per hour for alice; try again after 14:00 UTC"
 */
export function breachText(b: QuotaBreach, user: string): string {
  const head = `Sending quota exceeded: ${b.max} ${WHAT[b.limit]} for ${user}`;
  if (b.retryAt === undefined) return `${head}; send the other recipients in another message`;
  const iso = new Date(b.retryAt).toISOString();
  const when = b.window === 'hour' ? `${iso.slice(11, 16)} UTC` : `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
  return `${head}; try again after ${when}`;
}
