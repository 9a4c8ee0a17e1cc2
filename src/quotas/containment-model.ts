import type { ContainmentConfig } from '../config/quotas-schema.js';
import type { ContainedState } from '../users/index.js';
import { startOfDay, startOfHour, type UserCounts } from './windows.js';

export type ContainmentTrigger = Omit<ContainedState, 'at'>;

/**
 * Should this user be contained, by its counts now? (docs/deliverability.md#containment)
 *
 * - rate: this hour's messages exceed `rateFactor` times its baseline (the
 *   decaying average of its past hours, windows.ts) and `minMessages`, the
 *   floor that keeps a new or quiet user (baseline near 0) from being
 *   contained for a handful of mails;
 * - bounces / complaints: their share of the recipients the user sent to
 *   today exceeds `bounceRate` / `complaintRate`, once there are at least
 *   `minSample` recipients (a few early bounces prove nothing).
 *
 * `liftedAt` (an operator's release) forgives the evidence of its window: the
 * rate trigger waits for the next hour, the others for the next UTC day.
 */
export function containmentTrigger(c: UserCounts, cfg: ContainmentConfig, liftedAt: number | undefined): ContainmentTrigger | undefined {
  const forgivenHour = liftedAt !== undefined && startOfHour(liftedAt) >= c.hourStart;
  const forgivenDay = liftedAt !== undefined && startOfDay(liftedAt) >= c.dayStart;
  const ceiling = cfg.rateFactor * c.baseline;
  if (!forgivenHour && c.hourMessages > cfg.minMessages && c.hourMessages > ceiling) {
    return { trigger: 'rate', reason: `${c.hourMessages} messages this hour, over ${cfg.rateFactor} x its baseline of ${c.baseline.toFixed(1)}/hour (and over containment.minMessages ${cfg.minMessages})` };
  }
  if (forgivenDay || c.dayRecipients < cfg.minSample) return undefined;
  if (c.dayBounces / c.dayRecipients > cfg.bounceRate) {
    return { trigger: 'bounces', reason: `${c.dayBounces} hard bounces for ${c.dayRecipients} recipients today, over containment.bounceRate ${cfg.bounceRate}` };
  }
  if (c.dayComplaints / c.dayRecipients > cfg.complaintRate) {
    return { trigger: 'complaints', reason: `${c.dayComplaints} complaints for ${c.dayRecipients} recipients today, over containment.complaintRate ${cfg.complaintRate}` };
  }
  return undefined;
}
