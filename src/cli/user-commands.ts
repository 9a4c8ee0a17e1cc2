import type { Command } from 'commander';
import type { Stream } from '../core/index.js';
import type { UserSettings, UserStore } from '../users/index.js';
import { formatTable } from './format-table.js';
import { configSubcommand, withStore } from './with-store.js';

// Reading a password for `baton user add`: hidden on a terminal, first line of a pipe otherwise.

export interface PasswordInput extends NodeJS.ReadableStream {
  readonly isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** The first line of a non-terminal stream (without CR/LF); rejects if the stream ends with nothing. */
export function readFirstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (err?: Error) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
      if (err) reject(err);
      else resolve(text.replace(/\r?\n[\s\S]*$/, '').replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes('\n')) finish();
    };
    const onEnd = () => (text === '' ? finish(new Error('no password on standard input (give it on the first line)')) : finish());
    const onError = (err: Error) => finish(err);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** Prompt on `prompt` and read a line from a terminal without echoing it. */
export function readHidden(input: PasswordInput, prompt: NodeJS.WritableStream, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    prompt.write(question);
    input.setRawMode?.(true);
    const finish = (err?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode?.(false);
      input.pause();
      prompt.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') text = text.slice(0, -1);
        else text += ch;
      }
    };
    input.on('data', onData);
    input.resume();
  });
}

export interface UserCommandDeps {
  readonly openUsers: (configFile?: string) => Promise<UserStore>;
  /** Where the password comes from (stdin by default). */
  readonly input?: PasswordInput;
  /** Normal output (stdout by default). */
  readonly out?: (text: string) => void;
  /** Where password prompts go (stderr by default, so stdout stays clean). */
  readonly prompt?: NodeJS.WritableStream;
}

export async function askPassword(input: PasswordInput, prompt: NodeJS.WritableStream): Promise<string> {
  if (!input.isTTY) return readFirstLine(input);
  const first = await readHidden(input, prompt, 'Password: ');
  const again = await readHidden(input, prompt, 'Repeat password: ');
  if (first !== again) throw new Error('the passwords differ; nothing was changed');
  return first;
}

/** "none" clears a limit; otherwise a whole number (the store checks its range). */
function limitValue(text: string): number | null {
  if (text === 'none') return null;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim())) throw new Error(`a limit is a whole number or "none", not "${text}"`);
  return n;
}

/** "stream bulk, 100 messages/hour" — or "defaults". */
function describeSettings(s: UserSettings): string {
  const parts: string[] = [];
  if (s.stream) parts.push(`stream ${s.stream}`);
  const l = s.limits ?? {};
  if (l.messagesPerHour) parts.push(`${l.messagesPerHour} messages/hour`);
  if (l.messagesPerDay) parts.push(`${l.messagesPerDay} messages/day`);
  if (l.recipientsPerMessage) parts.push(`${l.recipientsPerMessage} recipients/message`);
  if (l.recipientsPerDay) parts.push(`${l.recipientsPerDay} recipients/day`);
  if (s.contained) parts.push(`contained (${s.contained.trigger}) since ${new Date(s.contained.at).toISOString()}`);
  return parts.length ? parts.join(', ') : 'defaults';
}

/** `baton user add|list|set|remove`: SMTP AUTH users (RFC 4954) in the queue database. */
export function registerUserCommands(program: Command, deps: UserCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const input = deps.input ?? (process.stdin as PasswordInput);
  const prompt = deps.prompt ?? process.stderr;
  const user = program.command('user').description('manage users who may log in with SMTP AUTH');

  const run = (fn: (store: UserStore, cmd: Command) => Promise<void>) => withStore(deps.openUsers, 'baton.user', fn);
  const sub = (name: string, description: string) => configSubcommand(user, name, description);

  sub('add', 'add a user; the password is asked for (or read from the first line of standard input)')
    .argument('<name>', 'login name, e.g. alice@example.com')
    .requiredOption('--domains <list>', 'comma-separated sender domains the user may use, e.g. example.com,example.org')
    .action(
      run(async (users, cmd) => {
        const name = cmd.args[0] ?? '';
        const domains = cmd.opts<{ domains: string }>().domains.split(',');
        const password = await askPassword(input, prompt);
        if (password === '') throw new Error('the password is empty; nothing was changed');
        await users.addUser(name, password, domains);
        out(`user ${name} added\n`);
      }),
    );

  sub('list', 'list users and their domains')
    .option('--json', 'print JSON')
    .action(
      run(async (users, cmd) => {
        const list = await users.listUsers();
        if (cmd.opts<{ json?: boolean }>().json) {
          out(`${JSON.stringify(list.map((u) => ({ name: u.name, domains: u.domains, createdAt: new Date(u.createdAt).toISOString(), settings: u.settings })), null, 2)}\n`);
        } else if (list.length === 0) {
          out('No users (add one with "baton user add NAME --domains example.com")\n');
        } else {
          out(
            formatTable(
              [{ header: 'NAME' }, { header: 'DOMAINS' }, { header: 'CREATED' }, { header: 'SETTINGS' }],
              list.map((u) => [u.name, u.domains.join(','), new Date(u.createdAt).toISOString(), describeSettings(u.settings)]),
            ),
          );
        }
      }),
    );

  sub('set', 'change a user\'s stream and sending limits ("none" clears a limit)')
    .argument('<name>', 'login name')
    .option('--stream <stream>', 'transactional or bulk: the stream of the user\'s mail unless a message says otherwise')
    .option('--messages-per-hour <n>', 'messages the user may send per hour')
    .option('--messages-per-day <n>', 'messages per day')
    .option('--recipients-per-message <n>', 'recipients of one message')
    .option('--recipients-per-day <n>', 'recipients per day, all messages together')
    .action(
      run(async (users, cmd) => {
        const name = cmd.args[0] ?? '';
        const o = cmd.opts<{ stream?: string; messagesPerHour?: string; messagesPerDay?: string; recipientsPerMessage?: string; recipientsPerDay?: string }>();
        const limits = Object.fromEntries(
          (['messagesPerHour', 'messagesPerDay', 'recipientsPerMessage', 'recipientsPerDay'] as const)
            .filter((k) => o[k] !== undefined)
            .map((k) => [k, limitValue(o[k] as string)]),
        );
        const settings = await users.updateSettings(name, { ...(o.stream ? { stream: o.stream as Stream } : {}), ...(Object.keys(limits).length ? { limits } : {}) });
        if (!settings) throw new Error(`no user ${name} (see "baton user list")`);
        out(`user ${name}: ${describeSettings(settings)}\n`);
      }),
    );

  sub('remove', 'remove a user')
    .argument('<name>', 'login name')
    .action(
      run(async (users, cmd) => {
        const name = cmd.args[0] ?? '';
        if (!(await users.removeUser(name))) throw new Error(`no user ${name} (see "baton user list")`);
        out(`user ${name} removed\n`);
      }),
    );
  return user;
}
