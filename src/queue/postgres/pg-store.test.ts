import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase } from '../../../test/helpers/pg.js';
import { schemaLevels } from '../../postgres/index.js';
import { queueEventsContract } from '../store-events.contract.js';
import { queueSelectionContract } from '../store-selection.contract.js';
import { queueStoreContract } from '../store.contract.js';
import { openPgQueueStore } from './index.js';

// The same contract suites as the SQLite backend (src/queue/sqlite/sqlite-store.test.ts), unchanged, on PostgreSQL.
queueStoreContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgQueueStore({ db }), db);
});
queueEventsContract('postgres', async (bus) => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgQueueStore({ db, bus }), db);
});
queueSelectionContract('postgres', async () => {
  const db = await openTestPgDatabase();
  return closingWith(await openPgQueueStore({ db }), db);
});

test('a body in shared memory (as intake makes it) is stored byte for byte', async () => {
  const db = await openTestPgDatabase();
  const store = await openPgQueueStore({ db });
  try {
    const text = Buffer.from('Subject: shared\r\n\r\n' + 'x'.repeat(20000) + '\r\n');
    const shared = Buffer.from(new SharedArrayBuffer(text.length));
    text.copy(shared);
    const id = await store.enqueue({
      id: '0000000000SHAREDBODY' as never,
      envelope: { mailFrom: null, recipients: [{ address: { local: 'a', domain: 'b.test' } }], params: {} },
      origin: { kind: 'local' },
      message: shared,
      receivedAt: 1,
      expiresAt: 2,
    });
    assert.deepEqual(await store.readBody(id), text);
    assert.deepEqual(shared, text);
  } finally {
    await store.close();
    await db.close();
  }
});

test('the queue and events concerns are at level 1, and opening twice (two nodes starting) migrates once', async () => {
  const db = await openTestPgDatabase();
  try {
    const [a, b] = await Promise.all([openPgQueueStore({ db }), openPgQueueStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { events: 1, queue: 1 });
    await a.close();
    await b.close();
  } finally {
    await db.close();
  }
});
