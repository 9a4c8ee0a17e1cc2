import { Command, CommanderError } from 'commander';

export interface CliResult {
  readonly out: string;
  readonly err: string;
  readonly code: number;
}

/**
 * Run `baton <args>` in-process on a commander program that `register` fills
 * (given a writer for stdout); returns stdout, stderr and the exit code
 * commander asked for.
 */
export async function runCli(register: (program: Command, out: (text: string | Uint8Array) => void) => void, args: readonly string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const program = new Command('baton').exitOverride().configureOutput({ writeOut: (t) => (out += t), writeErr: (t) => (err += t) });
  register(program, (t) => (out += typeof t === 'string' ? t : Buffer.from(t).toString('latin1')));
  try {
    await program.parseAsync(['node', 'baton', ...args]);
    return { out, err, code: 0 };
  } catch (e) {
    if (e instanceof CommanderError) return { out, err, code: e.exitCode };
    throw e;
  }
}
