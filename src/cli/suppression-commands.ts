import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { parseDuration, parseMailbox, systemClock, type Clock } from '../core/index.js';
import { CsvImportError, exportCsv, importCsvStream, SUPPRESSION_REASONS, type ImportDefaults, type ImportReport, type SuppressionEntry, type SuppressionReason, type Suppressions } from '../suppression/index.js';
import { progress, type ProgressStream } from './progress.js';
import { formatTable } from './format-table.js';
import { configSubcommand, withStore } from './with-store.js';

/** What the suppression commands change and read: the Suppressions service (its `.store` for reads). */
export interface SuppressionCommandStores {
  readonly suppressions: Suppressions;
  close(): Promise<void>;
}

export interface SuppressionCommandDeps {
  readonly open: (configFile?: string) => Promise<SuppressionCommandStores>;
  readonly clock?: Clock;
  /** Normal output (stdout by default). */
  readonly out?: (text: string) => void;
  /** Progress and bad-row reports (stderr by default), so stdout stays clean for pipes. */
  readonly err?: (text: string) => void;
  /** Where the import's progress goes (stderr by default: drawn only on a terminal). */
  readonly progressTo?: ProgressStream;
}

/** `baton suppression check` exit code when the address is suppressed (0: it is not; 1: the check failed). */
export const SUPPRESSED_EXIT_CODE = 3;

/** Rows between two progress lines of import and export. */
const PROGRESS_EVERY = 20_000;

const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());

function entryJson(e: SuppressionEntry) {
  return { address: e.address, scope: e.domain ?? 'global', reason: e.reason, source: e.source ?? null, createdAt: iso(e.createdAt), expiresAt: e.expiresAt === undefined ? null : iso(e.expiresAt) };
}

function entryTable(list: readonly SuppressionEntry[]): string {
  return formatTable(
    [{ header: 'ADDRESS' }, { header: 'SCOPE' }, { header: 'REASON' }, { header: 'CREATED' }, { header: 'EXPIRES' }, { header: 'SOURCE', max: 40 }],
    list.map((e) => [e.address, e.domain ?? 'global', e.reason, iso(e.createdAt), e.expiresAt === undefined ? 'never' : iso(e.expiresAt), e.source ?? '']),
  );
}

function reasonOf(text: string | undefined, dflt: SuppressionReason): SuppressionReason {
  if (text === undefined) return dflt;
  if (!(SUPPRESSION_REASONS as readonly string[]).includes(text)) throw new Error(`--reason must be one of ${SUPPRESSION_REASONS.join(', ')}, not "${text}"`);
  return text as SuppressionReason;
}

function addressOf(text: string): string {
  if (!parseMailbox(text.trim())) throw new Error(`"${text}" is not an email address (give local@domain)`);
  return text.trim();
}

function domainOf(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!parseMailbox(`x@${text}`)) throw new Error(`"${text}" is not a domain name`);
  return text.toLowerCase();
}

/** "unsubscribe, brand.test" for one-line answers. */
const describe = (e: SuppressionEntry) => `${e.reason}, ${e.domain ?? 'global'}${e.expiresAt !== undefined ? `, until ${iso(e.expiresAt)}` : ''}`;

/** Import a CSV file (the shared reader in suppression/suppression-csv.ts), its errors naming the file. */
async function importCsvFile(file: string, service: Pick<Suppressions, 'add'>, d: ImportDefaults, progress: (rowsSoFar: number) => void): Promise<ImportReport> {
  await access(file, constants.R_OK).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${file} (${err.code ?? err.message}); nothing was imported`);
  });
  try {
    return await importCsvStream(createReadStream(file), service, d, progress);
  } catch (err) {
    if (err instanceof CsvImportError) throw new Error(`${file}: ${err.message}`);
    throw err;
  }
}

/** `baton suppression list|add|remove|check|import|export` (docs/deliverability.md#suppression). */
export function registerSuppressionCommands(program: Command, deps: SuppressionCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const err = deps.err ?? ((text: string) => void process.stderr.write(text));
  const clock = deps.clock ?? systemClock;
  const group = program.command('suppression').description('the suppression list: addresses Baton does not send to (bounces, complaints, unsubscribes, operators)');
  const run = (fn: (s: Suppressions, cmd: Command) => Promise<void>) => withStore(deps.open, 'baton.suppression', (stores, cmd) => fn(stores.suppressions, cmd));
  const sub = (name: string, description: string) => configSubcommand(group, name, description);

  sub('list', 'list suppressed addresses, in address order')
    .option('--reason <reason>', `only this reason: ${SUPPRESSION_REASONS.join(', ')}`)
    .option('--domain <domain>', 'only entries scoped to this sending domain ("global": only global ones)')
    .option('--limit <n>', 'at most this many (use export for everything)', '100')
    .option('--json', 'print JSON')
    .action(
      run(async (s, cmd) => {
        const o = cmd.opts<{ reason?: string; domain?: string; limit: string; json?: boolean }>();
        const limit = Number(o.limit);
        if (!Number.isInteger(limit) || limit < 1) throw new Error(`--limit must be a whole number above 0, not "${o.limit}"`);
        const scope = o.domain === undefined || o.domain === 'global' ? o.domain : domainOf(o.domain);
        const page = await s.store.list({ limit: limit + 1, ...(o.reason !== undefined ? { reason: reasonOf(o.reason, 'manual') } : {}), ...(scope !== undefined ? { scope } : {}) });
        const shown = page.slice(0, limit);
        if (o.json) return out(`${JSON.stringify(shown.map(entryJson), null, 2)}\n`);
        if (shown.length === 0) return out('No suppressed addresses\n');
        out(entryTable(shown));
        if (page.length > limit) out(`(the first ${limit}; ${await s.store.count()} entries in all: see --limit, or "baton suppression export")\n`);
      }),
    );

  sub('add', 'suppress an address: no mail is sent to it (for one sending domain with --domain)')
    .argument('<address>', 'the recipient address, e.g. bob@example.com')
    .option('--domain <domain>', 'only for mail from this sending domain (and its subdomains); default: from every sender')
    .option('--reason <reason>', `why: ${SUPPRESSION_REASONS.join(', ')}`, 'manual')
    .option('--expires <duration>', 'stop applying after this long, e.g. 30d (default: never)')
    .action(
      run(async (s, cmd) => {
        const o = cmd.opts<{ domain?: string; reason: string; expires?: string }>();
        const address = addressOf(cmd.args[0] ?? '');
        const domain = domainOf(o.domain);
        const expiresAt = o.expires === undefined ? undefined : clock.now() + parseDuration(o.expires);
        await s.add([{ address, reason: reasonOf(o.reason, 'manual'), source: 'cli', ...(domain ? { domain } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) }]);
        out(`${address.toLowerCase()} suppressed (${o.reason}, ${domain ?? 'global'}${expiresAt !== undefined ? `, until ${iso(expiresAt)}` : ''})\n`);
      }),
    );

  sub('remove', 'remove an address from the suppression list (the global entry, one domain\'s, or all)')
    .argument('<address>', 'the recipient address')
    .option('--domain <domain>', 'remove the entry scoped to this sending domain instead of the global one')
    .option('--all', 'remove every entry of the address, global and per domain')
    .action(
      run(async (s, cmd) => {
        const o = cmd.opts<{ domain?: string; all?: boolean }>();
        if (o.all && o.domain !== undefined) throw new Error('give --domain or --all, not both');
        const address = addressOf(cmd.args[0] ?? '');
        const domain = domainOf(o.domain);
        const n = await s.remove(address, { source: 'cli', ...(domain ? { domain } : {}), ...(o.all ? { allScopes: true } : {}) });
        const which = o.all ? 'any scope' : (domain ?? 'global');
        if (n === 0) throw new Error(`${address} has no ${o.all ? '' : `${which} `}entry on the suppression list (see "baton suppression check ${address}")`);
        out(`${address.toLowerCase()}: ${n} ${n === 1 ? 'entry' : 'entries'} removed (${which})\n`);
      }),
    );

  sub('check', `whether mail to an address is suppressed; exit code 0: it is not, ${SUPPRESSED_EXIT_CODE}: it is, 1: the check failed`)
    .argument('<address>', 'the recipient address')
    .option('--from <domain>', 'for mail from this sending domain (default: any sender, i.e. every entry of the address counts)')
    .option('--json', 'print JSON')
    .action(async function (this: Command) {
      let hits: SuppressionEntry[] = [];
      const address = this.args[0] ?? '';
      await run(async (s, cmd) => {
        const o = cmd.opts<{ from?: string; json?: boolean }>();
        addressOf(address);
        const now = clock.now();
        // With --from: the entry that would stop that sender's mail. Without: every live entry of the address.
        hits =
          o.from !== undefined
            ? [...(await s.store.matching([address], domainOf(o.from) ?? null, now)).values()]
            : (await s.store.list({ address, limit: 1000 })).filter((e) => e.expiresAt === undefined || e.expiresAt > now);
        if (o.json) out(`${JSON.stringify({ address: address.trim().toLowerCase(), suppressed: hits.length > 0, entries: hits.map(entryJson) }, null, 2)}\n`);
        else if (hits.length === 0) out(`${address}: not suppressed${o.from ? ` for mail from ${o.from}` : ''}\n`);
        else for (const e of hits) out(`${address}: suppressed (${describe(e)}; since ${iso(e.createdAt)}${e.source ? `, source ${e.source}` : ''})\n`);
      }).call(this);
      // Scripts read the answer from the exit code; the line on stderr is for people.
      if (hits.length > 0) this.showHelpAfterError(false).error(`baton: ${address} is suppressed`, { exitCode: SUPPRESSED_EXIT_CODE, code: 'baton.suppression.suppressed' });
    });

  sub('import', 'add the addresses of a CSV file: a header row "address[,domain,reason,expires]" or a single column of addresses')
    .argument('<file>', 'the CSV file')
    .option('--reason <reason>', `for rows without one: ${SUPPRESSION_REASONS.join(', ')}`, 'manual')
    .option('--domain <domain>', 'for rows without one: scope them to this sending domain (default: global)')
    .action(
      run(async (s, cmd) => {
        const o = cmd.opts<{ reason: string; domain?: string }>();
        const file = cmd.args[0] ?? '';
        const domain = domainOf(o.domain);
        const started = clock.now();
        // The rows are streamed, so their number is not known up front: a running count, on a terminal only.
        const bar = progress(`importing ${basename(file)}: rows`, undefined, deps.progressTo ?? process.stderr);
        const report = await importCsvFile(file, s, { reason: reasonOf(o.reason, 'manual'), ...(domain ? { domain } : {}), source: `csv:${basename(file)}`, now: started }, (n) => bar.update(n));
        bar.finish();
        for (const p of report.problems) err(`${file}: ${p}\n`);
        const skipped = report.problems.length ? `; ${report.problems.length} bad rows skipped (listed above)` : '';
        out(`imported ${report.imported} of ${report.rows} rows from ${file}${skipped}\n`);
      }),
    );

  sub('export', 'write the whole suppression list as CSV (address,domain,reason,source,created,expires), to FILE or standard output')
    .argument('[file]', 'the CSV file to write (default: standard output)')
    .action(
      run(async (s, cmd) => {
        const file = cmd.args[0];
        const to = file !== undefined ? createWriteStream(file) : deps.out ? new Writable({ write: (chunk: Buffer, _e, cb) => (out(chunk.toString('utf8')), cb()) }) : process.stdout;
        const n = await exportCsv(s.store, to, (k) => {
          if (file !== undefined && k % PROGRESS_EVERY === 0) err(`  ${k} rows written…\n`);
        });
        if (file !== undefined) out(`exported ${n} entries to ${file}\n`);
      }),
    );
  return group;
}
