import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closingWith, openTestPgDatabase } from '../../../test/helpers/pg.js';
import { finalStateWantsNotice, type Notify, type QueueId } from '../../core/index.js';
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

test('the queue concern is at level 2 (send log) and events at 1, and opening twice (two nodes starting) migrates once', async () => {
  const db = await openTestPgDatabase();
  try {
    const [a, b] = await Promise.all([openPgQueueStore({ db }), openPgQueueStore({ db })]);
    assert.deepEqual(await schemaLevels(db), { events: 1, queue: 2 });
    await a.close();
    await b.close();
  } finally {
    await db.close();
  }
});

test('the SQL that decides whether a finished message owes a DSN agrees with finalStateWantsNotice in every case', async () => {
  const db = await openTestPgDatabase();
  const store = await openPgQueueStore({ db });
  try {
    const notifies: (Notify | undefined)[] = [undefined, 'NEVER', ['SUCCESS'], ['FAILURE'], ['DELAY'], ['SUCCESS', 'FAILURE'], ['FAILURE', 'DELAY']];
    let k = 0;
    for (const notify of notifies) {
      for (const kind of ['delivered', 'bounced', 'expired'] as const) {
        for (const passedOn of [false, true]) {
          for (const nullSender of [false, true]) {
            const id = `0000000000DSN${String(k++).padStart(7, '0')}` as QueueId;
            const born = await store.enqueueClaimed(
              {
                id,
                envelope: { mailFrom: nullSender ? null : { local: 's', domain: 'x.test' }, recipients: [{ address: { local: 'r', domain: 'y.test' }, ...(notify ? { notify } : {}) }], params: {} },
                origin: { kind: 'local' },
                message: Buffer.from('x'),
                receivedAt: 1,
                expiresAt: 2,
              },
              { owner: 'o', leaseMs: 1_000 },
            );
            const rowId = born.recipients[0]?.rowId ?? -1;
            const res = await store.recordOutcomes([kind === 'delivered' ? { rowId, kind, ...(passedOn ? { noticePassedOn: true as const } : {}) } : { rowId, kind }], { owner: 'o', now: 3 });
            const owes = !nullSender && finalStateWantsNotice(kind, notify, kind === 'delivered' && passedOn);
            assert.deepEqual([res.finished, res.removed], owes ? [[id], []] : [[], [id]], JSON.stringify({ notify, kind, passedOn, nullSender }));
          }
        }
      }
    }
  } finally {
    await store.close();
    await db.close();
  }
});
