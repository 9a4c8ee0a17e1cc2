import { readFileSync } from 'node:fs';
import { format } from 'node:util';
import type { Command } from 'commander';
import type { Config } from '../config/index.js';

export interface SendCommandDeps {
  /** The config, for the default server (the first submission or mx listener). */
  readonly loadConfig: (configFile?: string) => Pick<Config, 'listeners'>;
  readonly out?: (text: string) => void;
  readonly err?: (text: string) => void;
  /** The SMTP AUTH password: BATON_PASSWORD, else the first line of standard input. */
  readonly password?: () => Promise<string>;
}

interface SendOptions {
  readonly config?: string;
  readonly from: string;
  readonly to: string[];
  readonly subject?: string;
  readonly body?: string;
  readonly bodyFile?: string;
  readonly server?: string;
  readonly auth?: string;
  readonly starttls?: boolean;
  readonly verbose?: boolean;
  readonly api?: string;
  readonly key?: string;
  readonly json?: boolean;
}

/** What a send answered, printed as it is or as JSON. */
export interface SendReport {
  readonly via: 'smtp' | 'api';
  readonly queueId: string | null;
  /** smtp: the final reply to DATA; api: the HTTP status. */
  readonly response: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/**
 * `baton send`: a test message, like swaks, through a Baton listener
 * (nodemailer's SMTP client, `--verbose` shows the dialogue) or through the
 * HTTP API (`--api URL --key KEY`: POST /api/v1/messages). Exit 0 when the
 * message was queued, 1 when it was refused or the server could not be
 * reached, with the server's reply.
 */
export function registerSendCommand(program: Command, deps: SendCommandDeps): Command {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t));
  const err = deps.err ?? ((t: string) => void process.stderr.write(t));
  return program
    .command('send')
    .description('send a test message through a Baton listener (SMTP) or the HTTP API (--api), like swaks')
    .option('-c, --config <file>', 'configuration file (for the default --server)')
    .requiredOption('--from <address>', 'envelope sender and From:')
    .requiredOption('--to <address>', 'recipient (repeat it, or separate with commas)', collect)
    .option('--subject <text>', 'Subject:', 'Baton test message')
    .option('--body <text>', 'the text body')
    .option('--body-file <file>', 'read the text body from a file')
    .option('--server <host:port>', 'SMTP server (default: the first submission listener, else the first mx listener of the config)')
    .option('--auth <user>', 'log in with SMTP AUTH as this user; the password comes from BATON_PASSWORD or the first line of standard input')
    .option('--starttls', 'require STARTTLS before MAIL (the certificate is not verified: a test tool, like swaks)')
    .option('--verbose', 'show the SMTP dialogue on standard error')
    .option('--api <url>', 'send through the HTTP API at this base URL instead (e.g. http://127.0.0.1:8025)')
    .option('--key <key>', 'the API key for --api (scope "send")')
    .option('--json', 'print the result as JSON')
    .action(async function (this: Command) {
      const cmd = this;
      const opts = cmd.opts<SendOptions>();
      const fail = (message: string): never => cmd.showHelpAfterError(false).error(`baton: ${message}`, { exitCode: 1, code: 'baton.send.failed' });
      if (opts.body !== undefined && opts.bodyFile !== undefined) fail('give --body or --body-file, not both');
      const text = opts.bodyFile !== undefined ? readFileSync(opts.bodyFile, 'utf8') : (opts.body ?? `A test message sent by "baton send" at ${new Date().toISOString()}.\n`);
      let report: SendReport;
      try {
        if (opts.api !== undefined) {
          if (opts.key === undefined) fail('--api needs --key (an API key with the "send" scope: baton apikey create NAME --scopes send)');
          report = await sendThroughApi(opts.api, opts.key as string, { from: opts.from, to: opts.to, subject: opts.subject ?? '', text });
        } else {
          const server = opts.server ?? defaultServer(deps.loadConfig(opts.config));
          const password = opts.auth !== undefined ? await (deps.password ?? readPassword)() : undefined;
          report = await sendThroughSmtp(server, { ...opts, text, ...(password !== undefined ? { password } : {}) }, opts.verbose ? err : undefined);
        }
      } catch (e) {
        return fail((e as Error).message);
      }
      if (opts.json) out(`${JSON.stringify(report, null, 2)}\n`);
      else out(`${report.queueId ? `queued as ${report.queueId}` : 'sent'} (${report.via}: ${report.response})${report.rejected.length ? `; refused: ${report.rejected.join(', ')}` : ''}\n`);
      if (report.accepted.length === 0) fail('no recipient was accepted');
    });
}

function defaultServer(config: Pick<Config, 'listeners'>): string {
  const l = config.listeners.find((x) => x.role === 'submission') ?? config.listeners.find((x) => x.role === 'mx');
  if (!l) throw new Error('the config has no submission or mx listener: give --server host:port');
  return l.address.replace(/^0\.0\.0\.0:/, '127.0.0.1:').replace(/^\[::\]:/, '[::1]:');
}

async function sendThroughSmtp(
  server: string,
  o: SendOptions & { readonly text: string; readonly password?: string },
  dialogue: ((line: string) => void) | undefined,
): Promise<SendReport> {
  const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(server);
  if (!m) throw new Error(`--server must be host:port, not "${server}"`);
  // nodemailer logs bunyan-style: (fields, printf format, values); `tnx` says who spoke. Its AUTH lines hide the secret.
  const log = (level: string) => (fields: { tnx?: string } | undefined, ...message: unknown[]) => {
    if (!dialogue || level === 'trace') return;
    const who = fields?.tnx === 'client' ? 'C: ' : fields?.tnx === 'server' ? 'S: ' : '* ';
    for (const line of format(...message).split(/\r?\n/)) if (line !== '') dialogue(`${who}${line}\n`);
  };
  // Loaded here, not at the top: every baton command imports this file, and nodemailer costs ~80 ms to load.
  const { createTransport } = await import('nodemailer');
  const transport = createTransport({
    host: m[1] as string,
    port: Number(m[2]),
    secure: false,
    requireTLS: o.starttls === true,
    ignoreTLS: o.starttls !== true,
    tls: { rejectUnauthorized: false },
    ...(o.auth !== undefined ? { auth: { user: o.auth, pass: o.password ?? '' } } : {}),
    connectionTimeout: 15_000,
    // nodemailer's logger receives the dialogue ("C: EHLO ...", "S: 250 ...") at debug level.
    logger: { level: () => undefined, trace: log('trace'), debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), fatal: log('fatal') },
    debug: dialogue !== undefined,
  });
  try {
    const info = await transport.sendMail({ from: o.from, to: o.to, subject: o.subject ?? '', text: o.text, envelope: { from: o.from, to: o.to } });
    const response = String(info.response ?? '');
    return { via: 'smtp', queueId: /queued as ([0-9A-Z]+)/.exec(response)?.[1] ?? null, response, accepted: info.accepted.map(String), rejected: info.rejected.map(String) };
  } catch (e) {
    const x = e as Error & { response?: string; rejected?: unknown[] };
    throw new Error(`${server} refused the message: ${x.response ?? x.message}`);
  } finally {
    transport.close();
  }
}

async function sendThroughApi(base: string, key: string, msg: { from: string; to: string[]; subject: string; text: string }): Promise<SendReport> {
  const url = `${base.replace(/\/+$/, '')}/api/v1/messages`;
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(msg), signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    throw new Error(`${url} did not answer: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as { id?: string; recipients?: { address: string; status: string; reason?: string }[]; detail?: string; title?: string };
  if (res.status !== 202) throw new Error(`the API answered ${res.status}: ${body.detail ?? body.title ?? ''}`.trimEnd());
  const recipients = body.recipients ?? [];
  return {
    via: 'api',
    queueId: body.id ?? null,
    response: `${res.status}`,
    accepted: recipients.filter((r) => r.status === 'queued').map((r) => r.address),
    rejected: recipients.filter((r) => r.status !== 'queued').map((r) => `${r.address} (${r.status}${r.reason ? `: ${r.reason}` : ''})`),
  };
}

async function readPassword(): Promise<string> {
  const fromEnv = process.env['BATON_PASSWORD'];
  if (fromEnv !== undefined) return fromEnv;
  if (process.stdin.isTTY) throw new Error('--auth needs a password: set BATON_PASSWORD or pipe it on standard input');
  let data = '';
  for await (const chunk of process.stdin) {
    data += String(chunk);
    if (data.includes('\n')) break;
  }
  return data.split(/\r?\n/)[0] ?? '';
}
