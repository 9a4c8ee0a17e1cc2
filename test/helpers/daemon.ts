import { spawn } from 'node:child_process';
import { connect } from 'node:net';

/** A real daemon a test runs in the foreground (clamd, rspamd, OpenDKIM). */
export interface Daemon {
  /** What it printed on stdout and stderr so far. */
  output(): string;
  /** SIGTERM, and wait for it to exit. */
  stop(): Promise<void>;
}

/**
 * Start `command` and wait until `ready()` says it serves: polled every
 * 100 ms, failing with its output if it exits first or is not ready within
 * `readyTimeoutMs` (then it is killed). Killed with the test process.
 */
export async function startDaemon(name: string, command: string, args: readonly string[], ready: () => Promise<boolean>, readyTimeoutMs: number): Promise<Daemon> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.on('exit', () => child.kill('SIGKILL'));
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before it was ready:\n${out}`);
    if (await ready()) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} was not ready within ${readyTimeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    output: () => out,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Whether something accepts connections on the unix socket at `path`. */
export function acceptsOnUnixSocket(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
