import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from './dnsmasq.js';
import { freePorts } from './free-port.js';
import { waitForGreeting } from './wait-for-greeting.js';

/**
 * A private Dovecot (Debian dovecot-lmtpd) serving LMTP (RFC 2033) on loopback,
 * for local-delivery tests. Everything lives in a temp directory: config,
 * runtime sockets, state, a passwd-file of users and their Maildirs at
 * `maildir(user@domain)` = DIR/mail/DOMAIN/USER.
 *
 *   const dc = await startDovecot(['alice@local.test']);
 *   // local: { lmtp: dc.address }  ->  mail for alice lands in dc.maildir('alice@local.test')/new
 *   await dc.stop();
 *
 * Mail is stored as the unprivileged user `nobody` (Dovecot refuses UID 0 for
 * mail); the lmtp service itself runs as root so it can switch to that user.
 * Unknown users get "550 5.1.1 ... User doesn't exist" at RCPT.
 */
export interface DovecotHandle {
  readonly dir: string;
  readonly host: string;
  readonly port: number;
  /** "127.0.0.1:PORT", for config `local.lmtp`. */
  readonly address: string;
  maildir(address: string): string;
  output(): string;
  stop(): Promise<void>;
}

export const dovecotBin = '/usr/sbin/dovecot';

export function dovecotConfig(dir: string, port: number): string {
  return `# Written by test/helpers/deliver-dovecot.ts; private test instance.
instance_name = baton-test-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
protocols = lmtp
listen = 127.0.0.1
ssl = no
log_path = /dev/stderr
info_log_path = /dev/stderr
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
mail_location = maildir:${dir}/mail/%d/%n
lmtp_save_to_detail_mailbox = no
passdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
  default_fields = uid=nobody gid=nogroup home=${dir}/home/%d/%n
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = ${port}
  }
  unix_listener lmtp {
    mode = 0600
  }
}
service anvil {
  chroot =
}
`;
}

export async function startDovecot(users: readonly string[]): Promise<DovecotHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-dovecot-'));
  // Delivery runs as nobody: it must be able to create Maildirs and homes here.
  await chmod(dir, 0o755);
  for (const sub of ['mail', 'home']) {
    await mkdir(join(dir, sub));
    await chmod(join(dir, sub), 0o777);
  }
  await writeFile(join(dir, 'users'), users.map((u) => `${u}:{PLAIN}unused::::::\n`).join(''));
  let lastOutput = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const [port] = (await freePorts(1)) as [number];
    const conf = join(dir, `dovecot-${port}.conf`);
    await writeFile(conf, dovecotConfig(dir, port));
    const child: ChildProcess = spawn(dovecotBin, ['-F', '-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    if (await waitForGreeting(child, '127.0.0.1', port, { tries: 60, intervalMs: 100, connectTimeoutMs: 1000 })) {
      return {
        dir,
        host: '127.0.0.1',
        port,
        address: `127.0.0.1:${port}`,
        maildir: (address) => {
          const at = address.lastIndexOf('@');
          return join(dir, 'mail', address.slice(at + 1), address.slice(0, at));
        },
        output: () => output,
        async stop() {
          await stopChild(child, 5000);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    lastOutput = output;
    await stopChild(child, 5000);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`dovecot did not start:\n${lastOutput}`);
}

