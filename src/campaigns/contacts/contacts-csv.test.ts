import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { after, test } from 'node:test';
import { memoryEventStore } from '../../../test/helpers/memory-events.js';
import { openTestPgDatabase } from '../../../test/helpers/pg.js';
import { silentLogger } from '../../log/index.js';
import { openSqliteSuppressionStore, Suppressions, type SuppressionStore } from '../../suppression/index.js';
import { openPgSuppressionStore } from '../../suppression/pg-suppression-store.js';
import type { Contact, ContactChangeSink } from '../types.js';
import type { ContactStore } from './contact-store.js';
import { Contacts } from './contacts.js';
import { ContactCsvError, exportContactsCsv, importContactsCsv } from './contacts-csv.js';
import { openPgContactStore } from './pg-contact-store.js';
import { openSqliteContactStore } from './sqlite-contact-store.js';

const T = 1_800_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'baton-contacts-csv-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

function service(store: ContactStore, suppressionStore: SuppressionStore, sink?: ContactChangeSink): Contacts {
  const clock = { now: () => T };
  return new Contacts({ store, suppressions: new Suppressions(suppressionStore, memoryEventStore(), clock), clock, logger: silentLogger(), ...(sink ? { sink } : {}) });
}
function sqlite(sink?: ContactChangeSink) {
  const path = join(dir, `c${++n}.db`);
  const sup = openSqliteSuppressionStore({ path });
  const store = openSqliteContactStore({ path, now: () => T });
  return { contacts: service(store, sup, sink), sup, close: async () => (await store.close(), await sup.close()) };
}
async function exportText(c: Contacts, list?: number): Promise<string> {
  const chunks: Buffer[] = [];
  await exportContactsCsv(c, new Writable({ write: (b: Buffer, _e, done) => (chunks.push(b), done()) }), list !== undefined ? { list } : {});
  return Buffer.concat(chunks).toString();
}

test('CSV import: email column, others become string attributes; bad and globally suppressed rows are rejected by row; the list is joined with a sink call each', async () => {
  const joined: string[] = [];
  const sink: ContactChangeSink = { joinedList: (c: Contact, l: number) => void joined.push(`${c.address}:${l}`), attributeChanged: () => undefined };
  const f = sqlite(sink);
  try {
    const list = await f.contacts.store.createList({ name: 'news', optIn: 'single' }, T);
    await f.sup.add([{ address: 'gone@x.test', reason: 'hard-bounce', createdAt: T }, { address: 'brand@x.test', domain: 'b.example', reason: 'unsubscribe', createdAt: T }]);
    const csv = '\ufeffEmail,first_name,zip\nAnn@X.test,Ann,007\nnot-an-address,X,1\ngone@x.test,G,2\n,empty,3\nbrand@x.test,B,\nann@x.test,,0099\n';
    const r = await importContactsCsv(Readable.from([csv]), f.contacts, { listId: list.id });
    assert.deepEqual(r, {
      total: 6,
      created: 2,
      updated: 0,
      rejectedCount: 3,
      rejected: [
        { row: 2, address: 'not-an-address', reason: 'not an email address' },
        { row: 4, address: '', reason: 'no address' },
        { row: 3, address: 'gone@x.test', reason: 'suppressed' },
      ],
    });
    const ann = await f.contacts.store.byAddress('ann@x.test');
    assert.deepEqual(ann?.attributes, { first_name: 'Ann', zip: '0099' }, 'strings kept as written; an empty cell sets nothing');
    assert.deepEqual(joined.sort(), [`ann@x.test:${list.id}`, `brand@x.test:${list.id}`]);
    assert.equal(
      await exportText(f.contacts, list.id),
      'address,status,lists,first_name,zip\nann@x.test,subscribed,news,Ann,0099\nbrand@x.test,unsubscribed,news,B,\n',
    );
    await assert.rejects(importContactsCsv(Readable.from(['name,zip\nx,1\n']), f.contacts), ContactCsvError);
  } finally {
    await f.close();
  }
});

const rows100k = (): string => {
  const lines = ['address,first_name,plan'];
  for (let i = 0; i < 100_000; i++) lines.push(`user${i}@example${i % 50}.test,Name${i},${i % 3 ? 'free' : 'pro'}`);
  return `${lines.join('\n')}\n`;
};

for (const backend of ['sqlite', 'postgres'] as const) {
  test(`100,000 rows import into a list in seconds on ${backend} (measured), and a second import updates them all`, async () => {
    let close: () => Promise<void>;
    let contacts: Contacts;
    if (backend === 'sqlite') {
      const f = sqlite();
      contacts = f.contacts;
      close = f.close;
    } else {
      const db = await openTestPgDatabase({ poolSize: 4 });
      const sup = await openPgSuppressionStore({ db });
      contacts = service(await openPgContactStore({ db, now: () => T }), sup);
      close = () => db.close();
    }
    try {
      const list = await contacts.store.createList({ name: 'big', optIn: 'single' }, T);
      const csv = rows100k();
      const t0 = performance.now();
      const r = await importContactsCsv(Readable.from([csv]), contacts, { listId: list.id });
      const ms = performance.now() - t0;
      console.log(`# contacts import ${backend}: 100,000 rows in ${Math.round(ms)} ms`);
      assert.deepEqual({ ...r, rejected: r.rejected.length }, { total: 100_000, created: 100_000, updated: 0, rejected: 0, rejectedCount: 0 });
      assert.deepEqual((await contacts.store.getList(list.id))?.counts, { subscribed: 100_000, pending: 0, unsubscribed: 0 });
      assert.ok(ms < 30_000, `took ${ms} ms`);
      const t1 = performance.now();
      const again = await importContactsCsv(Readable.from([csv]), contacts, { listId: list.id });
      console.log(`# contacts re-import ${backend}: 100,000 rows in ${Math.round(performance.now() - t1)} ms`);
      assert.equal(again.updated, 100_000);
      const t2 = performance.now();
      const text = await exportText(contacts, list.id);
      console.log(`# contacts export ${backend}: 100,000 rows in ${Math.round(performance.now() - t2)} ms`);
      assert.equal(text.split('\n').length, 100_002);
    } finally {
      await close();
    }
  });
}
