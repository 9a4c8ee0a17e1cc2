import type { Command } from 'commander';

/**
 * A commander action that opens a store (queue or users) for the command's
 * `--config`, runs, and closes it. Any failure becomes one line on stderr and
 * exit code 1; a runtime failure is not a usage error, so no help text follows.
 */
export function withStore<S extends { close(): Promise<void> }>(
  open: (configFile?: string) => Promise<S>,
  codePrefix: string,
  fn: (store: S, cmd: Command) => Promise<void>,
): (this: Command) => Promise<void> {
  return async function (this: Command) {
    const cmd = this;
    const { config } = cmd.optsWithGlobals<{ config?: string }>();
    let store: S;
    try {
      store = await open(config);
    } catch (err) {
      return cmd.showHelpAfterError(false).error(`baton: ${(err as Error).message}`, { exitCode: 1, code: `${codePrefix}.open` });
    }
    let failure: string | undefined;
    try {
      await fn(store, cmd);
    } catch (err) {
      failure = (err as Error).message;
    } finally {
      await store.close();
    }
    if (failure !== undefined) cmd.showHelpAfterError(false).error(`baton: ${failure}`, { exitCode: 1, code: `${codePrefix}.failed` });
  };
}

/** A subcommand of `parent` that, like every baton command, takes `--config FILE`. */
export function configSubcommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).option('-c, --config <file>', 'configuration file (default: the embedded default)');
}
