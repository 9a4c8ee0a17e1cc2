import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './baton.js';

/** Helpers that drive real clients nobody here wrote (swaks, curl, Python) as child processes. */

export const pythonDir = join(repoRoot, 'test', 'e2e', 'python');

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCommand(
  cmd: string,
  args: readonly string[],
  opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  return new Promise((res, rej) => {
    const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString('latin1')));
    const timer = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    c.once('error', (err) => {
      clearTimeout(timer);
      rej(err);
    });
    c.once('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal ? 128 : null), stdout, stderr });
    });
    c.stdin.on('error', () => undefined);
    c.stdin.end(opts.input ?? '');
  });
}

/** Run test/e2e/python/NAME with python3. */
export function runPython(name: string, args: readonly string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return runCommand('python3', [join(pythonDir, name), ...args], opts);
}

export type DialogStep =
  | { readonly send: string }
  | { readonly read: true; readonly timeout?: number }
  | { readonly starttls: true; readonly max_version?: string }
  | { readonly sleep: number }
  | { readonly expect_close: number }
  | { readonly drain: number };

export interface DialogEvent {
  readonly step: number;
  readonly reply?: { readonly code: number; readonly lines: readonly string[] };
  readonly closed?: boolean;
  readonly partial?: readonly string[];
  readonly timeout?: boolean;
  readonly tls?: string;
  readonly tls_error?: string;
  readonly send_error?: string;
  readonly data?: string;
  readonly unread_before_tls?: string;
}

/** Play a raw dialog with dialog.py; strings are sent as latin-1 bytes. */
export async function dialog(
  port: number,
  steps: readonly DialogStep[],
  opts: { host?: string; source?: string; implicitTls?: boolean; timeoutMs?: number } = {},
): Promise<DialogEvent[]> {
  const args = [opts.host ?? '127.0.0.1', String(port)];
  if (opts.source) args.push('--source', opts.source);
  if (opts.implicitTls) args.push('--implicit-tls');
  const r = await runPython('dialog.py', args, { input: JSON.stringify(steps), timeoutMs: opts.timeoutMs ?? 60_000 });
  if (r.code !== 0) throw new Error(`dialog.py failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as DialogEvent[];
}

/** The codes of the replies in a dialog, in order (0 where the step saw a close instead). */
export function codes(events: readonly DialogEvent[]): number[] {
  return events.filter((e) => e.reply || e.partial || (e.closed && !('data' in e))).map((e) => e.reply?.code ?? 0);
}

/** "554 5.7.1 Relay access denied" style text of a reply event. */
export function replyText(e: DialogEvent | undefined): string {
  return e?.reply?.lines.join('\n') ?? (e?.closed ? '(closed)' : e?.timeout ? '(timeout)' : JSON.stringify(e));
}

/** UTF-8 text as the latin-1 string dialog.py sends byte for byte. */
export function utf8Bytes(s: string): string {
  return Buffer.from(s, 'utf8').toString('latin1');
}

/** swaks against a listener; returns its transcript. */
export function swaks(port: number, args: readonly string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<RunResult> {
  return runCommand('swaks', ['--server', '127.0.0.1', '--port', String(port), '--timeout', '15', ...args], {
    timeoutMs: opts.timeoutMs ?? 60_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
}

export interface SendSpec {
  readonly host?: string;
  readonly port: number;
  readonly source?: string;
  readonly mode?: 'plain' | 'starttls' | 'ssl';
  readonly ehlo?: string;
  readonly auth?: { readonly user: string; readonly password: string; readonly mech: 'PLAIN' | 'LOGIN' };
  readonly mail_from: string;
  readonly mail_options?: readonly string[];
  readonly rcpts: readonly { readonly to: string; readonly options?: readonly string[] }[];
  readonly data?: string;
  readonly stop_after?: 'ehlo' | 'auth' | 'mail';
}

type Pair = [number, string];
export interface SendResult {
  readonly ehlo?: Pair;
  readonly features_before_tls?: Record<string, string>;
  readonly features?: Record<string, string>;
  readonly tls?: string;
  readonly auth?: Pair;
  readonly mail?: Pair;
  readonly rcpts?: Pair[];
  readonly data?: Pair;
  readonly disconnected?: string;
  readonly error?: string;
}

/** One message through Python's smtplib (send.py); every reply comes back as [code, text]. */
export async function pySend(spec: SendSpec): Promise<SendResult> {
  const r = await runPython('send.py', [], { input: JSON.stringify({ host: '127.0.0.1', ...spec }), timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`send.py failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as SendResult;
}

/** Greeting, EHLO and their replies: the usual start of a dialog. */
export const GREET_EHLO: readonly DialogStep[] = [{ read: true }, { send: 'EHLO client.test\r\n' }, { read: true }];

/** Each step that sends one command followed by a read of its reply. */
export function cmds(...lines: readonly string[]): DialogStep[] {
  return lines.flatMap((l) => [{ send: `${l}\r\n` }, { read: true as const }]);
}

/** The replies in a dialog, in order, as "code text" strings ("(closed)" where a read saw a close). */
export function replies(events: readonly DialogEvent[]): string[] {
  return events
    .filter((e) => e.reply !== undefined || (e.closed === true && e.data === undefined))
    .map((e) => (e.reply ? e.reply.lines.join('\n') : '(closed)'));
}

/** Complete reply lines ("250 2.0.0 OK") found in raw drained data. */
export function replyLines(data: string): string[] {
  return data.split('\r\n').filter((l) => /^\d{3}[ -]/.test(l));
}
