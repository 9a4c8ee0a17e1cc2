import { spawn } from 'node:child_process';

export interface RenegotiationAttempt {
  /** The session went on after the renegotiation: a command sent after it was answered. */
  readonly renegotiated: boolean;
  /** Everything openssl s_client printed (stdout and stderr). */
  readonly output: string;
}

/**
 * Ask for a client-initiated renegotiation with OpenSSL's own client
 * (`s_client`, command `R`) over TLS 1.2 (TLS 1.3 has none), then send NOOP:
 * a `250` to it means the renegotiation was allowed; the server refusing
 * it ends the session with a no_renegotiation alert. Driven by what s_client
 * prints, not by sleeps; `timeoutMs` only bounds a hang.
 */
export function attemptRenegotiation(port: number, opts: { starttls: boolean; timeoutMs?: number }): Promise<RenegotiationAttempt> {
  const args = ['s_client', '-connect', `127.0.0.1:${port}`, '-tls1_2', '-crlf', ...(opts.starttls ? ['-starttls', 'smtp'] : [])];
  return new Promise((resolve, reject) => {
    const c = spawn('openssl', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let step: 'handshake' | 'renegotiate' | 'noop' = 'handshake';
    let renegotiated = false;
    const timer = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    const seen = (d: Buffer) => {
      output += d.toString('latin1');
      if (step === 'handshake' && /Verify return code/.test(output)) {
        step = 'renegotiate';
        c.stdin.write('R\n');
      } else if (step === 'renegotiate' && output.includes('RENEGOTIATING')) {
        step = 'noop';
        c.stdin.write('NOOP\n');
      } else if (step === 'noop' && /^250 /m.test(output.slice(output.indexOf('RENEGOTIATING')))) {
        renegotiated = true;
        c.stdin.end('QUIT\n');
      }
    };
    c.stdout.on('data', seen);
    c.stderr.on('data', seen);
    c.stdin.on('error', () => undefined);
    c.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    c.once('close', () => {
      clearTimeout(timer);
      resolve({ renegotiated, output });
    });
  });
}
