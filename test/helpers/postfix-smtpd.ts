import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { canConnect } from './baton.js';
import { maildirMessages, waitFor } from './deliver-kit.js';
import { freePorts } from './free-port.js';
import { issueServerCert, makeTestCa, type TestCert } from './tls.js';

const run = promisify(execFile);

/**
 * A real receiving MTA for outbound tests: a private Postfix instance (Debian's
 * postfix 3.x) with its own main.cf/master.cf, queue and data directories in a
 * temp dir. It never reads or touches /etc/postfix/main.cf or a system Postfix.
 *
 *   const pf = await startPostfixSmtpd({
 *     mailboxes: ['user@verify.test'],
 *     users: [{ user: 'relay@pf.test', pass: 'secret' }],
 *     listeners: { relay: { requireAuth: true }, wrongca: { tls: 'wrong-ca' } },
 *   });
 *   // Baton: routes smarthost pf.address('relay'), env NODE_EXTRA_CA_CERTS = pf.caFile
 *   const text = await pf.delivered('user@verify.test', messageId);  // the Maildir file
 *   const session = await pf.sessionOf(messageId);   // what smtpd logged about it
 *   await pf.stop();
 *
 * Each listener is an smtpd on its own free 127.0.0.1 port with its own
 * syslog_name (postfix-test/NAME/smtpd), so log lines say which listener they
 * came from. STARTTLS (smtpd_tls_loglevel 1) uses a certificate signed by a test
 * CA for 127.0.0.1 and `tlsNames` ('trusted'), the same CA for another name
 * ('wrong-name'), another CA for the right names ('wrong-ca'), or is not offered
 * ('none'). SASL AUTH is Cyrus SASL with a sasldb written by saslpasswd2
 * (Debian sasl2-bin), PLAIN and LOGIN, only after STARTTLS. CHUNKING is offered
 * unless `chunking: false` (smtpd_discard_ehlo_keywords). Mail for `mailboxes`
 * is delivered by the virtual(8) agent to Maildirs under DIR/mail (as nobody);
 * any other recipient is refused at RCPT; nothing leaves the instance (every
 * other transport is error:). Postfix's log is DIR/log/maillog (maillog_file).
 *
 * Needs root (postfix start), like the benchmark harness's private instance.
 */
export type PostfixTls = 'trusted' | 'wrong-name' | 'wrong-ca' | 'none';

export interface PostfixListener {
  /** The STARTTLS certificate, or 'none' for no STARTTLS. Default 'trusted'. */
  readonly tls?: PostfixTls;
  /** Offer CHUNKING (RFC 3030 BDAT). Default true. */
  readonly chunking?: boolean;
  /** Refuse RCPT (554 5.7.1) unless the client authenticated, like a submission service. Default false. */
  readonly requireAuth?: boolean;
}

export interface PostfixOptions {
  /** Addresses with a Maildir; others get 550 5.1.1 at RCPT. */
  readonly mailboxes: readonly string[];
  /** SASL users as "name@realm" (Cyrus keeps the realm; Postfix logs sasl_username=name@realm). */
  readonly users?: readonly { readonly user: string; readonly pass: string }[];
  /** DNS names in the trusted and wrong-CA certificates besides `hostname` and IP 127.0.0.1. */
  readonly tlsNames?: readonly string[];
  readonly listeners: Readonly<Record<string, PostfixListener>>;
  /** myhostname: the greeting, EHLO and Received "by". Default postfix.pf.test. */
  readonly hostname?: string;
}

export interface PostfixSmtpd {
  readonly dir: string;
  readonly hostname: string;
  /** The test CA certificate (PEM file): the trust anchor for required-verify. */
  readonly caFile: string;
  port(listener: string): number;
  /** "127.0.0.1:PORT" of a listener. */
  address(listener: string): string;
  /** DIR/mail/DOMAIN/USER, the Maildir of a mailbox. */
  maildir(address: string): string;
  /** Postfix's log so far. */
  log(): Promise<string>;
  /** smtpd sessions in log order (see postfix-log.ts). */
  sessions(listener?: string): Promise<SmtpdSession[]>;
  /** Waits until the message with this Message-ID is in the mailbox; its text (LF line ends, as Maildir keeps it). */
  delivered(address: string, messageId: string, timeoutMs?: number): Promise<string>;
  /** Waits until the smtpd session that received this Message-ID has ended (disconnect logged). */
  sessionOf(messageId: string, timeoutMs?: number): Promise<SmtpdSession>;
  /** Runs `fn`; on failure adds the end of Postfix's log to the error. */
  explain<T>(fn: () => Promise<T>): Promise<T>;
  stop(): Promise<void>;
}

const NAME = /^[a-z][a-z0-9-]*$/;

export async function startPostfixSmtpd(opts: PostfixOptions): Promise<PostfixSmtpd> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error('the private Postfix instance needs root (postfix start); run the tests as root');
  }
  const names = Object.keys(opts.listeners);
  for (const n of names) if (!NAME.test(n)) throw new Error(`listener names are [a-z0-9-]: ${n}`);
  const hostname = opts.hostname ?? 'postfix.pf.test';
  const dir = await mkdtemp(join(tmpdir(), 'baton-postfix-'));
  try {
    // Postfix's daemons run as postfix/nobody and must reach their files here.
    await chmod(dir, 0o755);
    const etc = join(dir, 'etc');
    for (const sub of ['etc', 'etc/sasl', 'queue', 'data', 'log', 'mail', 'tls', 'sasldb']) await mkdir(join(dir, sub), { recursive: true });
    await run('chown', ['postfix:postfix', join(dir, 'data')]);
    const ids = await nobodyIds();
    await run('chown', [`${ids.uid}:${ids.gid}`, join(dir, 'mail')]);
    const certs = await makeCerts(join(dir, 'tls'), [hostname, ...(opts.tlsNames ?? [])]);
    await writeSasl(etc, join(dir, 'sasldb', 'sasldb2'), opts.users ?? []);
    await writeFile(join(etc, 'vmailbox'), opts.mailboxes.map((a) => `${a} ${mailboxPath(a)}/\n`).join(''));
    await writeFile(join(etc, 'main.cf'), mainCf(dir, hostname, opts.mailboxes, ids));

    const ports = await startMaster(dir, names, (p) =>
      writeFile(join(etc, 'master.cf'), masterCf(names.map((n) => ({ name: n, port: p[n] as number, spec: opts.listeners[n] ?? {}, certs })))),
    );
    const logFile = join(dir, 'log', 'maillog');
    const stopExit = () => stopMasterSync(dir);
    process.on('exit', stopExit);

    const log = () => readFile(logFile, 'utf8').catch(() => '');
    const sessions = async (listener?: string) => parseSmtpdLog(await log()).filter((s) => listener === undefined || s.listener === listener);
    const port = (n: string): number => {
      const p = ports[n];
      if (p === undefined) throw new Error(`no listener ${n}`);
      return p;
    };
    const maildir = (a: string) => join(dir, 'mail', mailboxPath(a));
    return {
      dir,
      hostname,
      caFile: certs.ca,
      port,
      address: (n) => `127.0.0.1:${port(n)}`,
      maildir,
      log,
      sessions,
      delivered: (a, messageId, timeoutMs = 20_000) =>
        waitFor(`${messageId} in the Maildir of ${a}`, async () => (await maildirMessages(maildir(a))).find((f) => f.text.includes(`Message-ID: ${messageId}`))?.text, timeoutMs, 100),
      sessionOf: (messageId, timeoutMs = 20_000) =>
        waitFor(`the ended smtpd session that received ${messageId}`, async () => {
          const text = await log();
          const qid = queueIdOf(text, messageId);
          return qid === undefined ? undefined : parseSmtpdLog(text).find((s) => s.queueIds.includes(qid) && s.commands !== undefined);
        }, timeoutMs, 100),
      async explain(fn) {
        try {
          return await fn();
        } catch (err) {
          const tail = (await log()).split('\n').slice(-60).join('\n');
          if (err instanceof Error) err.message += `\n--- Postfix log (${logFile}), last lines ---\n${tail}`;
          throw err;
        }
      },
      async stop() {
        process.off('exit', stopExit);
        await stopMaster(dir);
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopMaster(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** "user@domain" -> "domain/user" (a relative Maildir path under virtual_mailbox_base). */
function mailboxPath(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) throw new Error(`not an address: ${address}`);
  return `${address.slice(at + 1)}/${address.slice(0, at)}`;
}

interface Certs {
  readonly ca: string;
  readonly byTls: Readonly<Record<Exclude<PostfixTls, 'none'>, TestCert>>;
}

async function makeCerts(dir: string, dnsNames: readonly string[]): Promise<Certs> {
  const ca = await makeTestCa(dir, 'Baton Test CA');
  const other = await makeTestCa(dir, 'Some Other CA');
  const names = { dns: dnsNames, ip: ['127.0.0.1'] };
  return {
    ca: ca.cert,
    byTls: {
      trusted: await issueServerCert(ca, dir, 'trusted', names),
      'wrong-name': await issueServerCert(ca, dir, 'wrong-name', { dns: ['elsewhere.invalid'] }),
      'wrong-ca': await issueServerCert(other, dir, 'wrong-ca', names),
    },
  };
}

/**
 * Cyrus SASL: Debian's Postfix reads $config_directory/sasl/smtpd.conf (it does not
 * use cyrus_sasl_config_path). The sasldb lives outside etc/, which `postfix check`
 * wants owned by root, and belongs to postfix, as which smtpd reads it.
 */
async function writeSasl(etc: string, db: string, users: readonly { user: string; pass: string }[]): Promise<void> {
  await writeFile(join(etc, 'sasl', 'smtpd.conf'), `pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: ${db}\n`);
  for (const { user, pass } of users) {
    const at = user.lastIndexOf('@');
    if (at <= 0) throw new Error(`SASL users are name@realm: ${user}`);
    await runWithInput('/usr/sbin/saslpasswd2', ['-p', '-c', '-f', db, '-u', user.slice(at + 1), user.slice(0, at)], pass);
  }
  if (users.length > 0) await run('chown', ['postfix', db]);
}

function runWithInput(cmd: string, args: readonly string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const c = execFile(cmd, args, { timeout: 30_000 }, (err, _out, stderr) => (err ? reject(new Error(`${cmd} failed: ${stderr || String(err)}`)) : resolve()));
    c.stdin?.end(input);
  });
}

async function nobodyIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'nobody'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'nobody'])).stdout.trim());
  return { uid, gid };
}

function mainCf(dir: string, hostname: string, mailboxes: readonly string[], ids: { uid: number; gid: number }): string {
  const domains = [...new Set(mailboxes.map((a) => a.slice(a.lastIndexOf('@') + 1)))];
  const nowhere = 'error:nothing leaves this test instance';
  return `# Written by test/helpers/postfix-smtpd.ts: a private test instance, loopback only.
compatibility_level = 3.6
config_directory = ${dir}/etc
queue_directory = ${dir}/queue
data_directory = ${dir}/data
meta_directory = /etc/postfix
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = postfix-test
maillog_file_prefixes = ${dir}/log
maillog_file = ${dir}/log/maillog

myhostname = ${hostname}
mydomain = pf.test
myorigin = $myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
biff = no
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
local_transport = ${nowhere}
default_transport = ${nowhere}
relay_transport = ${nowhere}
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination

virtual_mailbox_domains = ${domains.join(' ')}
virtual_mailbox_base = ${dir}/mail
virtual_mailbox_maps = texthash:${dir}/etc/vmailbox
virtual_uid_maps = static:${ids.uid}
virtual_gid_maps = static:${ids.gid}

smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_sasl_local_domain =
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
`;
}

interface ListenerLine {
  readonly name: string;
  readonly port: number;
  readonly spec: PostfixListener;
  readonly certs: Certs;
}

function masterCf(listeners: readonly ListenerLine[]): string {
  const smtpd = listeners.map(({ name, port, spec, certs }) => {
    const o = [`syslog_name=postfix-test/${name}`];
    const tls = spec.tls ?? 'trusted';
    if (tls === 'none') o.push('smtpd_tls_security_level=none');
    else o.push(`smtpd_tls_chain_files=${certs.byTls[tls].key},${certs.byTls[tls].cert}`);
    if (spec.chunking === false) o.push('smtpd_discard_ehlo_keywords=chunking');
    if (spec.requireAuth) o.push('smtpd_relay_restrictions=permit_sasl_authenticated,reject');
    return `127.0.0.1:${port} inet n - n - - smtpd\n${o.map((x) => `  -o ${x}`).join('\n')}`;
  });
  // No chroot; only the services an smtpd + virtual delivery instance uses.
  const services = [
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'tlsmgr unix - - n 1000? 1 tlsmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'showq unix n - n - - showq',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'virtual unix - n n - - virtual',
    'anvil unix - - n - 1 anvil',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return `# Written by test/helpers/postfix-smtpd.ts.\n${[...smtpd, ...services].join('\n')}\n`;
}

/** `postfix start` (its master -w waits until the listeners are bound); retried on fresh ports if one was taken meanwhile. */
async function startMaster(dir: string, names: readonly string[], writeMaster: (ports: Record<string, number>) => Promise<void>): Promise<Record<string, number>> {
  const logText = () => readFile(join(dir, 'log', 'maillog'), 'utf8').catch(() => '');
  let lastError = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const free = await freePorts(names.length);
    const ports = Object.fromEntries(names.map((n, i) => [n, free[i] as number]));
    await writeMaster(ports);
    try {
      await run('/usr/sbin/postfix', ['-c', join(dir, 'etc'), 'start'], { timeout: 60_000 });
    } catch (err) {
      lastError = `${String((err as { stderr?: string }).stderr ?? err)}\n${await logText()}`;
      await stopMaster(dir).catch(() => undefined);
      continue;
    }
    if (await waitForListeners(Object.values(ports))) return ports;
    lastError = `listeners did not accept connections\n${await logText()}`;
    await stopMaster(dir).catch(() => undefined);
  }
  throw new Error(`the private Postfix did not start:\n${lastError}`);
}

/** Bounded: 100 x 100 ms for every port to accept a connection. */
async function waitForListeners(ports: readonly number[]): Promise<boolean> {
  for (const p of ports) {
    let ok = false;
    for (let i = 0; i < 100 && !ok; i++) {
      ok = await canConnect('127.0.0.1', p);
      if (!ok) await new Promise((r) => setTimeout(r, 100));
    }
    if (!ok) return false;
  }
  return true;
}

async function masterPid(dir: string): Promise<number | undefined> {
  const text = await readFile(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').catch(() => '');
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** `postfix stop`, then wait (bounded, 100 x 100 ms) for the master to be gone; SIGKILL as a last resort. */
async function stopMaster(dir: string): Promise<void> {
  const pid = await masterPid(dir);
  if (pid === undefined || !alive(pid)) return;
  await run('/usr/sbin/postfix', ['-c', join(dir, 'etc'), 'stop'], { timeout: 30_000 }).catch(() => undefined);
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** At process exit (nothing can be awaited): SIGTERM the master, which stops its children. */
function stopMasterSync(dir: string): void {
  try {
    const pid = Number(readFileSync(join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) process.kill(pid, 'SIGTERM');
  } catch {
    // No pid file or no process: nothing to stop.
  }
}

/** One smtpd connection as Postfix logged it, from "connect from" to "disconnect from". */
export interface SmtpdSession {
  /** The listener: NAME in postfix-test/NAME/smtpd. */
  readonly listener: string;
  readonly pid: number;
  readonly lines: string[];
  /** "Anonymous TLS connection established from ..." (or Trusted/Verified/Untrusted), once STARTTLS completed. */
  tls?: string;
  /** Postfix queue ids of the messages received in this session. */
  readonly queueIds: string[];
  /** From "QID: client=..., sasl_method=PLAIN, sasl_username=NAME". */
  saslMethod?: string;
  saslUsername?: string;
  /** The disconnect line's command counters, e.g. { ehlo: '2', starttls: '1', auth: '1', bdat: '1', commands: '8' }; absent while open. */
  commands?: Record<string, string>;
}

/** The smtpd sessions in Postfix's log, in the order they started (smtpd processes serve connections one at a time). */
export function parseSmtpdLog(text: string): SmtpdSession[] {
  const out: SmtpdSession[] = [];
  const open = new Map<number, SmtpdSession>();
  for (const line of text.split('\n')) {
    const m = /^.*? (postfix-test\/[^\s[]+)\[(\d+)\]: (.*)$/.exec(line);
    const [, program = '', pidText = '', msg = ''] = m ?? [];
    const parts = program.split('/');
    if (parts.length !== 3 || parts[2] !== 'smtpd') continue;
    const pid = Number(pidText);
    if (msg.startsWith('connect from ')) {
      const s: SmtpdSession = { listener: parts[1] as string, pid, lines: [msg], queueIds: [] };
      out.push(s);
      open.set(pid, s);
      continue;
    }
    const s = open.get(pid);
    if (!s) continue;
    s.lines.push(msg);
    if (/^\S+ TLS connection established from /.test(msg)) s.tls = msg;
    const client = /^([0-9A-Za-z]+): client=/.exec(msg);
    if (client) {
      s.queueIds.push(client[1] as string);
      const method = /sasl_method=([^,\s]+)/.exec(msg)?.[1];
      const user = /sasl_username=([^,\s]+)/.exec(msg)?.[1];
      if (method !== undefined) s.saslMethod = method;
      if (user !== undefined) s.saslUsername = user;
    }
    if (msg.startsWith('disconnect from ')) {
      s.commands = Object.fromEntries(msg.split(' ').slice(3).map((t) => t.split('=') as [string, string]));
      open.delete(pid);
    }
  }
  return out;
}

/** The Postfix queue id cleanup(8) gave the message with this Message-ID. */
export function queueIdOf(text: string, messageId: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /\/cleanup\[\d+\]: ([0-9A-Za-z]+): message-id=(\S+)/.exec(line);
    if (m && m[2] === messageId) return m[1];
  }
  return undefined;
}
