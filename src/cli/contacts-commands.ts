import { constants, createReadStream, createWriteStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { parseMailbox } from '../core/index.js';
import { ContactCsvError, exportContactsCsv, importContactsCsv, type Contacts } from '../campaigns/contacts/index.js';
import { formatTable } from './format-table.js';
import { progress, type ProgressStream } from './progress.js';
import { configSubcommand, withStore } from './with-store.js';

/** The Contacts service on the stores the command opened (baton.ts). */
export interface ContactCommandStores {
  readonly contacts: Contacts;
  close(): Promise<void>;
}

export interface ContactCommandDeps {
  readonly open: (configFile?: string) => Promise<ContactCommandStores>;
  readonly out?: (text: string) => void;
  /** Reports and rejected rows (stderr by default), so stdout stays clean for pipes. */
  readonly err?: (text: string) => void;
  readonly progressTo?: ProgressStream;
}

async function listIdOf(contacts: Contacts, name: string | undefined): Promise<number | undefined> {
  if (name === undefined) return undefined;
  const l = (await contacts.store.listByName(name)) ?? (/^\d+$/.test(name) ? await contacts.store.getList(Number(name)) : undefined);
  if (!l) throw new Error(`there is no list "${name}" (see \`baton lists list\`)`);
  return l.id;
}

/** `baton contacts import|export` and `baton lists list|create` (docs/campaigns.md#contacts-and-lists). */
export function registerContactCommands(program: Command, deps: ContactCommandDeps): void {
  const out = deps.out ?? ((t: string) => void process.stdout.write(t));
  const err = deps.err ?? ((t: string) => void process.stderr.write(t));
  const contactsCmd = program.command('contacts').description('Contacts: import and export CSV');
  configSubcommand(contactsCmd, 'import', 'Upsert contacts from a CSV file (header row; "address" or "email" column; other columns become attributes)')
    .argument('<file>', 'the CSV file')
    .option('--list <name>', 'join every imported contact to this list (subscribed, consent "imported")')
    .action(
      withStore(deps.open, 'baton.contacts', async ({ contacts }, cmd) => {
        const [file] = cmd.args as [string];
        const { list } = cmd.opts<{ list?: string }>();
        const listId = await listIdOf(contacts, list);
        await access(file, constants.R_OK).catch((e: NodeJS.ErrnoException) => {
          throw new Error(`cannot read ${file} (${e.code ?? e.message}); nothing was imported`);
        });
        const bar = progress('importing', undefined, deps.progressTo);
        const started = Date.now();
        try {
          const r = await importContactsCsv(createReadStream(file), contacts, { ...(listId !== undefined ? { listId } : {}), onProgress: (n) => bar.update(n) });
          bar.finish();
          for (const x of r.rejected) err(`row ${x.row}: ${x.address || '(empty)'}: ${x.reason}\n`);
          out(`${r.total} rows: ${r.created} created, ${r.updated} updated, ${r.rejectedCount} rejected (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
        } catch (e) {
          bar.finish();
          if (e instanceof ContactCsvError || (e as { code?: string }).code?.startsWith('CSV_')) throw new Error(`${file}: ${(e as Error).message}`);
          throw e;
        }
      }),
    );
  configSubcommand(contactsCmd, 'export', 'Write contacts as CSV: address, status, lists, then the attributes')
    .option('--list <name>', 'members of this list only')
    .option('--out <file>', 'write here (default: standard output)')
    .action(
      withStore(deps.open, 'baton.contacts', async ({ contacts }, cmd) => {
        const o = cmd.opts<{ list?: string; out?: string }>();
        const listId = await listIdOf(contacts, o.list);
        const sink = o.out !== undefined ? createWriteStream(o.out) : new Writable({ write: (c: Buffer, _e, done) => (out(c.toString()), done()) });
        const n = await exportContactsCsv(contacts, sink, listId !== undefined ? { list: listId } : {});
        if (o.out !== undefined) err(`${n} contacts written to ${o.out}\n`);
      }),
    );

  const listsCmd = program.command('lists').description('Contact lists');
  configSubcommand(listsCmd, 'list', 'Every list with its member counts')
    .option('--json', 'JSON output')
    .action(
      withStore(deps.open, 'baton.lists', async ({ contacts }, cmd) => {
        const lists = await contacts.store.lists();
        if (cmd.opts<{ json?: boolean }>().json) return out(`${JSON.stringify(lists, null, 2)}\n`);
        out(
          formatTable(
            [{ header: 'ID' }, { header: 'NAME', max: 40 }, { header: 'OPT-IN' }, { header: 'SUBSCRIBED' }, { header: 'PENDING' }, { header: 'UNSUBSCRIBED' }],
            lists.map((l) => [String(l.id), l.name, l.optIn, String(l.counts.subscribed), String(l.counts.pending), String(l.counts.unsubscribed)]),
          ),
        );
      }),
    );
  configSubcommand(listsCmd, 'create', 'Create a list (single opt-in unless --double)')
    .argument('<name>', 'the list name (unique)')
    .option('--double', 'double opt-in: subscribers join when they confirm the link mailed to them')
    .option('--confirm-from <address>', 'the sender of the confirmation mail')
    .option('--description <text>', 'shown on the hosted subscribe form')
    .action(
      withStore(deps.open, 'baton.lists', async ({ contacts }, cmd) => {
        const [name] = cmd.args as [string];
        const o = cmd.opts<{ double?: boolean; confirmFrom?: string; description?: string }>();
        if (o.confirmFrom !== undefined && !parseMailbox(o.confirmFrom.trim())) throw new Error(`--confirm-from "${o.confirmFrom}" is not an email address`);
        if (await contacts.store.listByName(name)) throw new Error(`a list named "${name}" exists already`);
        const l = await contacts.store.createList(
          { name, optIn: o.double ? 'double' : 'single', ...(o.confirmFrom !== undefined ? { confirmFrom: o.confirmFrom.trim() } : {}), ...(o.description !== undefined ? { description: o.description } : {}) },
          contacts.deps.clock.now(),
        );
        out(`list ${l.id} "${l.name}" created (${l.optIn} opt-in)\n`);
      }),
    );
}
