import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { runCli, type CliResult } from '../../test/helpers/run-cli.js';
import { openSqliteUserStore } from '../users/index.js';
import { registerUserCommands } from './user-commands.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-ucli-'));
const path = join(dir, 'queue.db');
after(() => rmSync(dir, { recursive: true, force: true }));

function baton(stdin: string, ...args: string[]): Promise<CliResult> {
  return runCli((program, out) => registerUserCommands(program, { openUsers: () => openSqliteUserStore({ path }), input: Readable.from([stdin]), out }), args);
}

async function verify(name: string, password: string) {
  const users = await openSqliteUserStore({ path });
  try {
    return await users.verifyPassword(name, password);
  } finally {
    await users.close();
  }
}

test('user add reads the password from the first line of a pipe and stores the domains', async () => {
  const r = await baton('s3cret pass\r\nignored second line\n', 'user', 'add', 'alice@a.test', '--domains', 'a.test,B.test');
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, 'user alice@a.test added\n');
  assert.deepEqual(await verify('alice@a.test', 's3cret pass'), { name: 'alice@a.test', domains: ['a.test', 'b.test'], settings: {} });
  assert.equal(await verify('alice@a.test', 'ignored second line'), undefined);
});

test('user list shows users as a table and as JSON', async () => {
  const table = await baton('', 'user', 'list');
  assert.match(table.out, /^NAME\s+DOMAINS\s+CREATED\s+SETTINGS\nalice@a\.test\s+a\.test,b\.test\s+\d{4}-\S+\s+defaults\n/);
  const json = JSON.parse((await baton('', 'user', 'list', '--json')).out) as { name: string; domains: string[] }[];
  assert.deepEqual(json.map((u) => [u.name, u.domains]), [['alice@a.test', ['a.test', 'b.test']]]);
});

test('user add refuses duplicates, empty passwords, missing domains and bad domains with exit code 1', async () => {
  const dup = await baton('x\n', 'user', 'add', 'alice@a.test', '--domains', 'a.test');
  assert.equal(dup.code, 1);
  assert.match(dup.err, /already exists/);
  const empty = await baton('\n', 'user', 'add', 'bob', '--domains', 'a.test');
  assert.equal(empty.code, 1);
  assert.match(empty.err, /password is empty/);
  const none = await baton('', 'user', 'add', 'bob', '--domains', 'a.test');
  assert.equal(none.code, 1);
  assert.match(none.err, /no password on standard input/);
  const noDomains = await baton('pw\n', 'user', 'add', 'bob');
  assert.equal(noDomains.code, 1);
  assert.match(noDomains.err, /--domains/);
  const badDomain = await baton('pw\n', 'user', 'add', 'bob', '--domains', 'not a domain');
  assert.equal(badDomain.code, 1);
  assert.match(badDomain.err, /Not a domain name: not a domain/);
});

test('user set changes the stream and limits, "none" clears one, and bad values change nothing', async () => {
  const set = await baton('', 'user', 'set', 'alice@a.test', '--stream', 'bulk', '--messages-per-hour', '100', '--recipients-per-day', '5000');
  assert.equal(set.code, 0, set.err);
  assert.equal(set.out, 'user alice@a.test: stream bulk, 100 messages/hour, 5000 recipients/day\n');
  assert.equal((await baton('', 'user', 'set', 'alice@a.test', '--messages-per-hour', 'none')).out, 'user alice@a.test: stream bulk, 5000 recipients/day\n');
  for (const [args, why] of [
    [['--stream', 'promo'], /Unknown stream "promo"/],
    [['--messages-per-day', '0'], /at least 1/],
    [['--messages-per-day', 'lots'], /whole number or "none"/],
  ] as const) {
    const bad = await baton('', 'user', 'set', 'alice@a.test', ...args);
    assert.equal(bad.code, 1);
    assert.match(bad.err, why);
  }
  assert.deepEqual((await verify('alice@a.test', 's3cret pass'))?.settings, { stream: 'bulk', limits: { recipientsPerDay: 5000 } });
  const unknown = await baton('', 'user', 'set', 'nobody', '--stream', 'bulk');
  assert.match(unknown.err, /no user nobody/);
});

test('user remove deletes a user and fails for an unknown one', async () => {
  assert.equal((await baton('', 'user', 'remove', 'alice@a.test')).out, 'user alice@a.test removed\n');
  const again = await baton('', 'user', 'remove', 'alice@a.test');
  assert.equal(again.code, 1);
  assert.match(again.err, /no user alice@a\.test/);
  assert.equal((await baton('', 'user', 'list')).out, 'No users (add one with "baton user add NAME --domains example.com")\n');
});

// A real process on a real terminal (util-linux `script` gives it a pty): the
// password is asked twice and never echoed.
const SCRIPT = join(dir, 'cli.mjs');
writeFileSync(
  SCRIPT,
  `import { Command } from ${JSON.stringify(import.meta.resolve('commander'))};
import { registerUserCommands } from ${JSON.stringify(new URL('./user-commands.js', import.meta.url).href)};
import { openSqliteUserStore } from ${JSON.stringify(new URL('../users/index.js', import.meta.url).href)};
const program = new Command('baton');
registerUserCommands(program, { openUsers: () => openSqliteUserStore({ path: process.env.DB }) });
await program.parseAsync(process.argv);
`,
);

test('on a terminal the password is asked twice without echo', { timeout: 60_000 }, async () => {
  // Never a skip: scripts/test-deps.sh installs script(1) (bsdutils).
  assert.equal(spawnSync('script', ['--version']).status, 0, 'script(1) is missing: run scripts/test-deps.sh (bsdutils)');
  const cmd = `cd ${JSON.stringify(new URL('.', import.meta.url).pathname)} && ${process.execPath} ${SCRIPT} user add tty-user --domains t.test`;
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, DB: path }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((res) => child.on('exit', res));
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 1000 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 25));
    assert.match(out, re, 'the prompt never came');
  };
  await waitFor(/Password: /);
  child.stdin.write('hunter2\r');
  await waitFor(/Repeat password: /);
  child.stdin.write('hunter2\r');
  const code = await exited;
  assert.equal(code, 0, out);
  assert.match(out, /user tty-user added/);
  assert.doesNotMatch(out, /hunter2/);
  assert.equal((await verify('tty-user', 'hunter2'))?.name, 'tty-user');
});

test('a real process reading a piped password exits 0, and 1 with a message on failure', async () => {
  const run = (input: string, ...args: string[]) =>
    spawnSync(process.execPath, [SCRIPT, ...args], { input, env: { ...process.env, DB: path }, encoding: 'utf8', timeout: 20_000, cwd: new URL('.', import.meta.url).pathname });
  const ok = run('pipe-pw\n', 'user', 'add', 'piped', '--domains', 'p.test');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, 'user piped added\n');
  const dup = run('pipe-pw\n', 'user', 'add', 'piped', '--domains', 'p.test');
  assert.equal(dup.status, 1);
  assert.match(dup.stderr, /baton: User piped already exists/);
});
