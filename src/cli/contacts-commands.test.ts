import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../test/helpers/run-cli.js';
import { Contacts } from '../campaigns/contacts/index.js';
import { parseConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { openStores } from '../stores/index.js';
import { Suppressions } from '../suppression/index.js';
import { registerContactCommands } from './contacts-commands.js';

/** `baton contacts ...` and `baton lists ...` in-process, on real SQLite stores (the queue database file). */

const dir = mkdtempSync(join(tmpdir(), 'baton-ccli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const clock = { now: () => Date.parse('2026-01-01T00:00:00Z') };

function cliOn(path: string) {
  return async (...args: string[]) => {
    let err = '';
    const r = await runCli(
      (program, out) =>
        registerContactCommands(program, {
          open: async () => {
            const stores = await openStores(parseConfig({ queue: { path } }, dir));
            const contacts = new Contacts({ store: stores.contacts, suppressions: new Suppressions(stores.suppressions, stores.events, clock), clock, logger: silentLogger() });
            return { contacts, close: () => stores.close() };
          },
          out,
          err: (t) => (err += t),
        }),
      args,
    );
    return { ...r, err: r.err + err };
  };
}

test('lists create|list, then 100,000 contacts imported into a list by name (timed) and exported to a file', async () => {
  const baton = cliOn(join(dir, 'q1.db'));
  let r = await baton('lists', 'create', 'news', '--double', '--confirm-from', 'news@news.test');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /list 1 "news" created \(double opt-in\)/);
  assert.equal((await baton('lists', 'create', 'news')).code, 1);
  assert.equal((await baton('lists', 'create', 'plain')).code, 0);
  const file = join(dir, 'big.csv');
  const lines = ['address,first_name'];
  for (let i = 0; i < 100_000; i++) lines.push(`cli${i}@example.test,N${i}`);
  lines.push('nope,x');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const t0 = performance.now();
  r = await baton('contacts', 'import', file, '--list', 'plain');
  console.log(`# CLI import: 100,000 rows in ${Math.round(performance.now() - t0)} ms`);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^100001 rows: 100000 created, 0 updated, 1 rejected/);
  assert.match(r.err, /row 100001: nope: not an email address/);
  r = await baton('lists', 'list', '--json');
  const lists = JSON.parse(r.out) as { name: string; counts: { subscribed: number } }[];
  assert.deepEqual(lists.map((l) => [l.name, l.counts.subscribed]), [['news', 0], ['plain', 100_000]]);
  const outFile = join(dir, 'out.csv');
  r = await baton('contacts', 'export', '--list', 'plain', '--out', outFile);
  assert.equal(r.code, 0, r.err);
  const rows = readFileSync(outFile, 'utf8').trim().split('\n');
  assert.equal(rows.length, 100_001);
  assert.equal(rows[1], 'cli0@example.test,subscribed,plain,N0');
  assert.equal((await baton('contacts', 'import', file, '--list', 'nosuch')).code, 1);
});
