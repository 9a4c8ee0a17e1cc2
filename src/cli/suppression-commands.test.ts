import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli } from '../../test/helpers/run-cli.js';
import type { StoredEvent } from '../events/index.js';
import { parseConfig } from '../config/index.js';
import { openStores } from '../stores/index.js';
import { Suppressions } from '../suppression/index.js';
import { registerSuppressionCommands, SUPPRESSED_EXIT_CODE } from './suppression-commands.js';

/** `baton suppression ...` in-process, on real SQLite stores (the queue database file). */

const dir = mkdtempSync(join(tmpdir(), 'baton-scli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const T0 = Date.parse('2026-01-01T00:00:00Z');
let now = T0;
let dbN = 0;

function cliOn(path: string) {
  return async (...args: string[]) => {
    let err = '';
    const r = await runCli(
      (program, out) =>
        registerSuppressionCommands(program, {
          open: async () => {
            const stores = await openStores(parseConfig({ queue: { path } }, dir));
            return { suppressions: new Suppressions(stores.suppressions, stores.events, { now: () => now }), close: () => stores.close() };
          },
          clock: { now: () => now },
          out,
          err: (t) => (err += t),
        }),
      args,
    );
    return { ...r, err: r.err + err };
  };
}

function freshDb(): { path: string; baton: ReturnType<typeof cliOn> } {
  const path = join(dir, `q${++dbN}.db`);
  return { path, baton: cliOn(path) };
}

async function eventsIn(path: string): Promise<StoredEvent[]> {
  const stores = await openStores(parseConfig({ queue: { path } }, dir));
  try {
    return await stores.events.readEvents(0, 1_000_000);
  } finally {
    await stores.close();
  }
}

function csv(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

describe('baton suppression', () => {
  test('add, list, check and remove one address, global and per domain, with events', async () => {
    const { path, baton } = freshDb();
    assert.equal((await baton('suppression', 'add', 'Bob@X.test', '--domain', 'Brand.test', '--reason', 'unsubscribe')).out, 'bob@x.test suppressed (unsubscribe, brand.test)\n');
    const added = await baton('suppression', 'add', 'gone@x.test', '--expires', '30d');
    assert.equal(added.out, 'gone@x.test suppressed (manual, global, until 2026-01-31T00:00:00.000Z)\n');

    const list = await baton('suppression', 'list');
    assert.match(list.out, /^ADDRESS\s+SCOPE\s+REASON\s+CREATED\s+EXPIRES\s+SOURCE\nbob@x\.test\s+brand\.test\s+unsubscribe\s+2026-01-01T00:00:00\.000Z\s+never\s+cli\ngone@x\.test\s+global\s+manual/);
    const json = JSON.parse((await baton('suppression', 'list', '--reason', 'unsubscribe', '--json')).out) as { address: string; scope: string }[];
    assert.deepEqual(json.map((e) => [e.address, e.scope]), [['bob@x.test', 'brand.test']]);
    assert.deepEqual(JSON.parse((await baton('suppression', 'list', '--domain', 'global', '--json')).out).map((e: { address: string }) => e.address), ['gone@x.test']);

    const hit = await baton('suppression', 'check', 'BOB@x.test', '--from', 'news.brand.test');
    assert.equal(hit.code, SUPPRESSED_EXIT_CODE);
    assert.match(hit.out, /^BOB@x\.test: suppressed \(unsubscribe, brand\.test; since 2026-01-01T00:00:00\.000Z, source cli\)\n$/);
    const other = await baton('suppression', 'check', 'bob@x.test', '--from', 'other.test');
    assert.deepEqual([other.code, other.out], [0, 'bob@x.test: not suppressed for mail from other.test\n']);
    assert.equal((await baton('suppression', 'check', 'bob@x.test')).code, SUPPRESSED_EXIT_CODE, 'without --from every entry counts');

    const notGlobal = await baton('suppression', 'remove', 'bob@x.test');
    assert.equal(notGlobal.code, 1);
    assert.match(notGlobal.err, /bob@x\.test has no global entry on the suppression list/);
    assert.equal((await baton('suppression', 'remove', 'bob@x.test', '--domain', 'brand.test')).out, 'bob@x.test: 1 entry removed (brand.test)\n');
    assert.equal((await baton('suppression', 'check', 'bob@x.test', '--json')).code, 0);

    const types = (await eventsIn(path)).map((s) => [s.event.type, 'address' in s.event ? s.event.address : '', 'source' in s.event ? s.event.source : '']);
    assert.deepEqual(types, [
      ['suppression-added', 'bob@x.test', 'cli'],
      ['suppression-added', 'gone@x.test', 'cli'],
      ['suppression-removed', 'bob@x.test', 'cli'],
    ]);
  });

  test('an entry past its expiry no longer counts for check', async () => {
    const { baton } = freshDb();
    await baton('suppression', 'add', 'brief@x.test', '--expires', '1h');
    assert.equal((await baton('suppression', 'check', 'brief@x.test')).code, SUPPRESSED_EXIT_CODE);
    now = T0 + 3_600_000;
    try {
      assert.equal((await baton('suppression', 'check', 'brief@x.test')).code, 0);
      assert.equal((await baton('suppression', 'check', 'brief@x.test', '--from', 'a.test')).code, 0);
    } finally {
      now = T0;
    }
  });

  test('bad input gets exit code 1 and a message that says what is wrong', async () => {
    const { baton } = freshDb();
    const cases: [string[], RegExp][] = [
      [['add', 'not-an-address'], /"not-an-address" is not an email address/],
      [['add', 'a@x.test', '--reason', 'spam'], /--reason must be one of hard-bounce, complaint, unsubscribe, manual, not "spam"/],
      [['add', 'a@x.test', '--domain', 'not a domain'], /"not a domain" is not a domain name/],
      [['add', 'a@x.test', '--expires', 'soon'], /Cannot parse duration "soon"/],
      [['remove', 'a@x.test', '--all', '--domain', 'b.test'], /give --domain or --all, not both/],
      [['list', '--limit', '0'], /--limit must be a whole number above 0/],
      [['import', join(dir, 'missing.csv')], /cannot read .*missing\.csv \(ENOENT\); nothing was imported/],
    ];
    for (const [args, message] of cases) {
      const r = await baton('suppression', ...args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.err, message, args.join(' '));
    }
  });

  test('import reads a header file, keeps good rows, reports bad ones by line number and goes on', async () => {
    const { path, baton } = freshDb();
    const file = csv(
      'mixed.csv',
      '\uFEFFaddress,domain,reason,expires\r\n' +
        'one@x.test,,,\r\n' +
        'two@x.test,brand.test,unsubscribe,2027-01-01T00:00:00Z\r\n' +
        'not an address,,,\r\n' +
        'three@x.test,,complaint,30d\r\n' +
        'four@x.test,,spam,\r\n' +
        '"five@x.test",bad domain!,,\r\n' +
        'six@x.test,,,tomorrow\r\n' +
        '\r\n' +
        'seven@x.test\r\n',
    );
    const r = await baton('suppression', 'import', file, '--reason', 'hard-bounce');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `imported 4 of 8 rows from ${file}; 4 bad rows skipped (listed above)\n`);
    assert.equal(
      r.err,
      [
        `${file}: line 4: "not an address" is not an email address`,
        `${file}: line 6: reason "spam" is not one of hard-bounce, complaint, unsubscribe, manual`,
        `${file}: line 7: "bad domain!" is not a domain name`,
        `${file}: line 8: expires: "tomorrow" is neither an ISO date nor a duration like 30d`,
        '',
      ].join('\n'),
    );
    const list = JSON.parse((await baton('suppression', 'list', '--json')).out) as { address: string; scope: string; reason: string; source: string; expiresAt: string | null }[];
    assert.deepEqual(
      list.map((e) => [e.address, e.scope, e.reason, e.expiresAt]),
      [
        ['one@x.test', 'global', 'hard-bounce', null],
        ['seven@x.test', 'global', 'hard-bounce', null],
        ['three@x.test', 'global', 'complaint', '2026-01-31T00:00:00.000Z'],
        ['two@x.test', 'brand.test', 'unsubscribe', '2027-01-01T00:00:00.000Z'],
      ],
    );
    assert.ok(list.every((e) => e.source === 'csv:mixed.csv'));
    assert.equal((await eventsIn(path)).filter((s) => s.event.type === 'suppression-added').length, 4, 'one event per imported row');
  });

  test('import takes a single column of addresses without a header; --domain scopes them; extra columns need a header', async () => {
    const { baton } = freshDb();
    const file = csv('plain.csv', 'a@x.test\nB@X.test\nc@x.test,brand.test\n');
    const r = await baton('suppression', 'import', file, '--domain', 'brand.test');
    assert.equal(r.out, `imported 2 of 3 rows from ${file}; 1 bad rows skipped (listed above)\n`);
    assert.match(r.err, /line 3: 2 columns, but a file without a header row has one, the address \(add a header row "address,domain,reason,expires"\)/);
    const list = JSON.parse((await baton('suppression', 'list', '--json')).out) as { address: string; scope: string }[];
    assert.deepEqual(list.map((e) => [e.address, e.scope]), [['a@x.test', 'brand.test'], ['b@x.test', 'brand.test']]);
  });

  test('import refuses a header with an unknown column before writing anything, and stops at broken CSV saying what was kept', async () => {
    const { baton } = freshDb();
    const unknown = await baton('suppression', 'import', csv('unknown.csv', 'email,list\na@x.test,news\n'));
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /line 1: unknown column "list" in the header \(known: address, domain, reason, source, created, expires\); 0 rows before it were imported/);
    const broken = await baton('suppression', 'import', csv('broken.csv', 'address\na@x.test\n"b@x.test\n'));
    assert.equal(broken.code, 1);
    assert.match(broken.err, /Quote Not Closed.*; 1 rows before it were imported/);
    assert.equal((await baton('suppression', 'check', 'a@x.test')).code, SUPPRESSED_EXIT_CODE);
  });

  test('export writes every entry as CSV, page after page, and importing it elsewhere gives the same list', async () => {
    const a = freshDb();
    const rows = Array.from({ length: 12_345 }, (_, i) => `u${i}@x.test,${i % 4 === 0 ? 'brand.test' : ''},${i % 3 === 0 ? 'complaint' : 'unsubscribe'},${i % 5 === 0 ? '2030-01-01T00:00:00.000Z' : ''}`);
    const imported = await a.baton('suppression', 'import', csv('many.csv', `address,domain,reason,expires\n${rows.join('\n')}\n`));
    assert.equal(imported.out, `imported 12345 of 12345 rows from ${join(dir, 'many.csv')}\n`);
    const toStdout = await a.baton('suppression', 'export');
    assert.equal(toStdout.out.split('\n')[0], 'address,domain,reason,source,created,expires');
    assert.equal(toStdout.out.trimEnd().split('\n').length, 12_346);
    const file = join(dir, 'export.csv');
    assert.equal((await a.baton('suppression', 'export', file)).out, `exported 12345 entries to ${file}\n`);
    assert.equal(readFileSync(file, 'utf8'), toStdout.out);

    const b = freshDb();
    assert.equal((await b.baton('suppression', 'import', file)).code, 0);
    assert.equal((await b.baton('suppression', 'export')).out, toStdout.out, 'source and created survive the round trip');
  });
});
