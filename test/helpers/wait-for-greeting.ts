import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

/**
 * Bounded (`tries` x `intervalMs`): connect to a freshly started SMTP/LMTP
 * server until it answers "220", or its process has exited.
 */
export async function waitForGreeting(
  child: ChildProcess,
  host: string,
  port: number,
  opts: { readonly tries: number; readonly intervalMs: number; readonly connectTimeoutMs: number },
): Promise<boolean> {
  for (let i = 0; i < opts.tries; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host, port });
      const done = (v: boolean): void => {
        s.destroy();
        resolve(v);
      };
      s.setTimeout(opts.connectTimeoutMs, () => done(false));
      s.once('data', (d: Buffer) => {
        s.write('QUIT\r\n');
        setTimeout(() => done(d.toString().startsWith('220')), 20);
      });
      s.once('error', () => done(false));
    });
    if (ok) return true;
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
  return false;
}
