import type { UserInfo } from '../users/index.js';
import { effectiveLimits, type DefaultLimits } from './quota-decision.js';
import type { UserCounts } from './windows.js';

const iso = (t: number) => new Date(t).toISOString();

/**
 * A sender's limits and what it has used of them: the JSON of `baton user
 * show --json` and of the users and keys routes of the API (one shape, one
 * place: an operator reads the same numbers in the terminal and the
 * dashboard). `sender` is an SMTP user, or an API key as containment sees it
 * ("api:NAME", api/send/key-settings.ts).
 */
export function senderUsage(sender: Pick<UserInfo, 'name' | 'domains' | 'settings'>, c: UserCounts, defaults?: DefaultLimits) {
  const s = sender.settings;
  return {
    name: sender.name,
    domains: [...sender.domains],
    stream: s.stream ?? 'transactional',
    /** In force: the sender's own over `quotas.default`. */
    limits: effectiveLimits(defaults, s.limits) ?? {},
    ownLimits: s.limits ?? {},
    hour: { start: iso(c.hourStart), messages: c.hourMessages, recipients: c.hourRecipients },
    day: { start: iso(c.dayStart), messages: c.dayMessages, recipients: c.dayRecipients, bounces: c.dayBounces, complaints: c.dayComplaints },
    baseline: Number(c.baseline.toFixed(2)),
    contained: s.contained ? { at: iso(s.contained.at), trigger: s.contained.trigger, reason: s.contained.reason } : null,
    containmentLiftedAt: s.containmentLiftedAt !== undefined ? iso(s.containmentLiftedAt) : null,
  };
}

export type SenderUsage = ReturnType<typeof senderUsage>;
