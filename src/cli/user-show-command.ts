import type { Command } from 'commander';
import { systemClock, type Clock } from '../core/index.js';
import { effectiveLimits, senderUsage, type DefaultLimits, type SendingCounters, type UserCounts } from '../quotas/index.js';
import type { UserInfo, UserStore } from '../users/index.js';
import { configSubcommand, withStore } from './with-store.js';

export interface UserShowStores {
  readonly users: Pick<UserStore, 'getUser'>;
  readonly counters: Pick<SendingCounters, 'get'>;
  /** Config `quotas.default`: the limits of users without their own. */
  readonly defaults?: DefaultLimits;
  close(): Promise<void>;
}

export interface UserShowDeps {
  readonly open: (configFile?: string) => Promise<UserShowStores>;
  readonly clock?: Clock;
  readonly out?: (text: string) => void;
}

const iso = (t: number) => new Date(t).toISOString();

/** The JSON of `baton user show --json` (the API's users routes answer the same shape). */
export function userShowJson(u: UserInfo, c: UserCounts, defaults?: DefaultLimits) {
  return senderUsage(u, c, defaults);
}

function of(count: number, limit: number | undefined): string {
  return limit === undefined ? String(count) : `${count} of ${limit}`;
}

export function formatUserShow(u: UserInfo, c: UserCounts, defaults?: DefaultLimits): string {
  const l = effectiveLimits(defaults, u.settings.limits) ?? {};
  const contained = u.settings.contained;
  return [
    `User:        ${u.name}`,
    `Domains:     ${u.domains.join(', ')}`,
    `Stream:      ${u.settings.stream ?? 'transactional'}`,
    `This hour:   ${of(c.hourMessages, l.messagesPerHour)} messages, ${c.hourRecipients} recipients (since ${iso(c.hourStart).slice(11, 16)} UTC)`,
    `Today:       ${of(c.dayMessages, l.messagesPerDay)} messages, ${of(c.dayRecipients, l.recipientsPerDay)} recipients, ${c.dayBounces} hard bounces, ${c.dayComplaints} complaints (UTC day)`,
    `Per message: ${l.recipientsPerMessage !== undefined ? `at most ${l.recipientsPerMessage} recipients` : 'no recipient limit'}`,
    `Baseline:    ${c.baseline.toFixed(1)} messages/hour`,
    contained
      ? `Contained:   since ${iso(contained.at)} (${contained.trigger}): ${contained.reason}; new mail is held until "baton queue release --user ${u.name}"`
      : 'Contained:   no',
    '',
  ].join('\n');
}

/** `baton user show NAME`: a user's limits, its counters this hour and day, its baseline and containment. */
export function registerUserShowCommand(user: Command, deps: UserShowDeps): Command {
  const clock = deps.clock ?? systemClock;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  return configSubcommand(user, 'show', 'show a user: limits, counts this hour and today (as last written by the running node, every second), baseline, containment')
    .argument('<name>', 'login name')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.user', async (stores, cmd) => {
        const name = cmd.args[0] ?? '';
        const u = await stores.users.getUser(name);
        if (!u) throw new Error(`no user ${name} (see "baton user list")`);
        const c = stores.counters.get(name, clock.now());
        const d = stores.defaults;
        out(cmd.opts<{ json?: boolean }>().json ? `${JSON.stringify(userShowJson(u, c, d), null, 2)}\n` : formatUserShow(u, c, d));
      }),
    );
}
