import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './clients.js';
import { acceptsOnUnixSocket, startDaemon } from './daemon.js';
import { freePorts } from './free-port.js';

/**
 * The test "virus": a string no real mail holds. The official databases
 * cannot be downloaded here (no internet), and ClamAV detects the EICAR file
 * only through a signature in them, so the tests build their own database:
 * one body-based signature (.ndb, any file type, any offset) for this string,
 * its hex made by ClamAV's own `sigtool --hex-dump`.
 */
export const TEST_VIRUS = 'BATON-TEST-VIRUS-SIGNATURE-7f3a9c';
export const TEST_SIGNATURE = 'Baton.Test.Signature-1';

export interface ClamdHandle {
  /** Its unix socket, for config `scanners.clamav.socket`. */
  readonly socket: string;
  /** Its TCP socket on loopback, "127.0.0.1:PORT" (the other form `scanners.clamav.socket` takes). */
  readonly tcp: string;
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/**
 * A private clamd (Debian's clamav-daemon) in the foreground, with a temp
 * directory holding its socket, log and the test database; resolves when the
 * socket accepts connections. `streamMaxLength` is its StreamMaxLength.
 */
export async function startClamd(opts: { streamMaxLength?: string; readyTimeoutMs?: number } = {}): Promise<ClamdHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-clamd-'));
  const db = join(dir, 'db');
  await mkdir(db);
  const hex = await runCommand('sigtool', ['--hex-dump'], { input: TEST_VIRUS });
  if (hex.code !== 0) throw new Error(`sigtool --hex-dump failed: ${hex.stderr}`);
  await writeFile(join(db, 'baton-test.ndb'), `${TEST_SIGNATURE}:0:*:${hex.stdout.trim()}\n`);
  const socket = join(dir, 'clamd.sock');
  const [tcpPort] = await freePorts(1);
  const log = join(dir, 'clamd.log');
  const conf = join(dir, 'clamd.conf');
  await writeFile(
    conf,
    [
      'Foreground yes',
      `LocalSocket ${socket}`,
      'TCPAddr 127.0.0.1',
      `TCPSocket ${tcpPort}`,
      `DatabaseDirectory ${db}`,
      `LogFile ${log}`,
      `PidFile ${join(dir, 'clamd.pid')}`,
      `StreamMaxLength ${opts.streamMaxLength ?? '25M'}`,
      // The stock config drops to user clamav when started as root; this one stays who started it.
      ...(process.getuid?.() === 0 ? ['User root'] : []),
      '',
    ].join('\n'),
  );
  const daemon = await startDaemon('clamd', 'clamd', ['-c', conf], () => acceptsOnUnixSocket(socket), opts.readyTimeoutMs ?? 60_000);
  return {
    socket,
    tcp: `127.0.0.1:${tcpPort}`,
    logs: async () => daemon.output() + (await runCommand('cat', [log])).stdout,
    stop: () => daemon.stop(),
  };
}
