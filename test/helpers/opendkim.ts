import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './clients.js';
import { acceptsOnUnixSocket, startDaemon } from './daemon.js';

/**
 * A private OpenDKIM (Debian's opendkim) as a milter on a unix socket in a
 * temp dir, with a key made by opendkim-genkey. Mode sv: clients in
 * `internalHosts` get their mail signed for `domain`; the rest are verified,
 * and `onNoSignature` says what an unsigned message from them gets.
 */
export interface OpenDkimHandle {
  /** "unix:/…/milter.sock", as config `milters[].socket` takes it. */
  readonly socket: string;
  /** The TXT record strings to publish at `<selector>._domainkey.<domain>`. */
  readonly txt: string[];
  logs(): string;
  stop(): Promise<void>;
}

export async function startOpenDkim(opts: { domain: string; selector: string; internalHosts: string; onNoSignature: 'accept' | 'reject' | 'tempfail' | 'quarantine' | 'discard' }): Promise<OpenDkimHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-opendkim-'));
  const gen = await runCommand('/usr/sbin/opendkim-genkey', ['-D', dir, '-d', opts.domain, '-s', opts.selector, '-b', '2048']);
  if (gen.code !== 0) throw new Error(`opendkim-genkey failed: ${gen.stderr}`);
  // The .txt file is a zone line: `sel._domainkey IN TXT ( "v=DKIM1; h=sha256; k=rsa; " "p=..." ) ; comment`.
  const zone = await readFile(join(dir, `${opts.selector}.txt`), 'utf8');
  // Kept as OpenDKIM splits them: each TXT string holds at most 255 bytes (RFC 1035 §3.3.14).
  const txt = [...zone.matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
  const sock = join(dir, 'milter.sock');
  const conf = join(dir, 'opendkim.conf');
  await writeFile(
    conf,
    [
      'Syslog no',
      'LogWhy yes',
      'Background no',
      'Mode sv',
      `Domain ${opts.domain}`,
      `Selector ${opts.selector}`,
      `KeyFile ${join(dir, `${opts.selector}.private`)}`,
      `Socket local:${sock}`,
      `InternalHosts ${opts.internalHosts}`,
      'Canonicalization relaxed/relaxed',
      `On-NoSignature ${opts.onNoSignature}`,
      `PidFile ${join(dir, 'opendkim.pid')}`,
      'UMask 007',
      // The key lives in a temp dir under /tmp, which OpenDKIM's safe-key check refuses (a test key, thrown away).
      'RequireSafeKeys no',
      '',
    ].join('\n'),
  );
  const daemon = await startDaemon('opendkim', '/usr/sbin/opendkim', ['-f', '-v', '-x', conf], () => acceptsOnUnixSocket(sock), 30_000);
  return {
    socket: `unix:${sock}`,
    txt,
    logs: () => daemon.output(),
    stop: () => daemon.stop(),
  };
}
