import type { Command } from 'commander';
import { changeAdminPassword, createAdmin, type AdminInfo, type AdminSession, type AdminStore } from '../api/admins/index.js';
import { systemClock, type Clock } from '../core/index.js';
import { formatTable } from './format-table.js';
import { askPassword, type PasswordInput } from './user-commands.js';
import { configSubcommand, withStore } from './with-store.js';

export interface AdminCommandDeps {
  readonly openAdmins: (configFile?: string) => Promise<AdminStore>;
  /** Where the password comes from (stdin by default). */
  readonly input?: PasswordInput;
  /** Normal output (stdout by default). */
  readonly out?: (text: string) => void;
  /** Where password prompts go (stderr by default, so stdout stays clean). */
  readonly prompt?: NodeJS.WritableStream;
  readonly clock?: Clock;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

function state(a: AdminInfo, now: number): string {
  return a.lockedUntil !== undefined && a.lockedUntil > now ? `locked until ${iso(a.lockedUntil)}` : 'active';
}

function liveSessions(sessions: readonly AdminSession[], now: number): AdminSession[] {
  return sessions.filter((s) => s.expiresAt > now);
}

/**
 * `baton admin create|list|passwd|remove|unlock`: the accounts that log in to
 * the web dashboard (docs/dashboard-security.md). Not SMTP users (`baton
 * user`) nor API keys (`baton apikey`): a name of its own kind. Changes reach
 * a running Baton at its next request (sessions are read from the database).
 */
export function registerAdminCommands(program: Command, deps: AdminCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const input = deps.input ?? (process.stdin as PasswordInput);
  const prompt = deps.prompt ?? process.stderr;
  const clock = deps.clock ?? systemClock;
  const admin = program.command('admin').description('manage the admins who log in to the web dashboard');
  const run = (fn: (store: AdminStore, cmd: Command) => Promise<void>) => withStore(deps.openAdmins, 'baton.admin', fn);
  const sub = (name: string, description: string) => configSubcommand(admin, name, description);

  sub('create', 'create an admin; the password is asked for (or read from the first line of standard input)')
    .argument('<name>', 'login name, e.g. ops (letters, digits, . _ @ -)')
    .action(
      run(async (store, cmd) => {
        const name = cmd.args[0] ?? '';
        // The name is checked before the password is asked for: no typing a passphrase for nothing.
        if (await store.get(name)) throw new Error(`admin ${name} already exists (change its password with "baton admin passwd ${name}")`);
        await createAdmin(store, clock, name, await askPassword(input, prompt));
        out(`admin ${name} created; log in at the API address (e.g. http://127.0.0.1:8025/)\n`);
      }),
    );

  sub('list', 'list admins, their last login, lock state and live sessions')
    .option('--json', 'print JSON (with each live session: created, last seen, expiry, address, browser)')
    .action(
      run(async (store, cmd) => {
        const now = clock.now();
        const admins = await store.list();
        const sessions = liveSessions(await store.sessions(), now);
        const of = (name: string) => sessions.filter((s) => s.admin === name);
        if (cmd.opts<{ json?: boolean }>().json) {
          const json = admins.map((a) => ({
            name: a.name,
            createdAt: iso(a.createdAt),
            passwordChangedAt: iso(a.passwordChangedAt),
            lastLoginAt: iso(a.lastLoginAt) ?? null,
            lockedUntil: a.lockedUntil !== undefined && a.lockedUntil > now ? iso(a.lockedUntil) : null,
            sessions: of(a.name).map((s) => ({ createdAt: iso(s.createdAt), lastSeenAt: iso(s.lastSeenAt), expiresAt: iso(s.expiresAt), ip: s.ip, userAgent: s.userAgent })),
          }));
          return out(`${JSON.stringify(json, null, 2)}\n`);
        }
        if (admins.length === 0) return out('No admins (create one with "baton admin create NAME")\n');
        out(
          formatTable(
            [{ header: 'NAME' }, { header: 'CREATED' }, { header: 'LAST LOGIN' }, { header: 'SESSIONS' }, { header: 'STATE' }],
            admins.map((a) => [a.name, iso(a.createdAt) ?? '', iso(a.lastLoginAt) ?? 'never', String(of(a.name).length), state(a, now)]),
          ),
        );
      }),
    );

  sub('passwd', "set an admin's password (asked for, or the first line of standard input); ends the admin's sessions")
    .argument('<name>', 'admin name')
    .action(
      run(async (store, cmd) => {
        const name = cmd.args[0] ?? '';
        if (!(await store.get(name))) throw new Error(`no admin ${name} (see "baton admin list")`);
        if (!(await changeAdminPassword(store, clock, name, await askPassword(input, prompt)))) throw new Error(`no admin ${name} (removed meanwhile)`);
        out(`admin ${name}: password changed; every session of ${name} has ended\n`);
      }),
    );

  sub('remove', 'remove an admin and end its sessions')
    .argument('<name>', 'admin name')
    .action(
      run(async (store, cmd) => {
        const name = cmd.args[0] ?? '';
        const sessions = liveSessions(await store.sessions(name), clock.now()).length;
        if (!(await store.remove(name))) throw new Error(`no admin ${name} (see "baton admin list")`);
        out(`admin ${name} removed (${sessions} session${sessions === 1 ? '' : 's'} ended)\n`);
      }),
    );

  sub('unlock', 'lift the lock set after too many failed logins, and forget the failures')
    .argument('<name>', 'admin name')
    .action(
      run(async (store, cmd) => {
        const name = cmd.args[0] ?? '';
        const a = await store.get(name);
        if (!a) throw new Error(`no admin ${name} (see "baton admin list")`);
        const wasLocked = a.lockedUntil !== undefined && a.lockedUntil > clock.now();
        await store.unlock(name);
        out(wasLocked ? `admin ${name} unlocked\n` : `admin ${name} was not locked; its failed logins are forgotten\n`);
      }),
    );
  return admin;
}
