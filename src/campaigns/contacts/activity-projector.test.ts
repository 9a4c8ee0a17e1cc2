import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { BatonEvent, StoredEvent } from '../../events/index.js';
import { silentLogger } from '../../log/index.js';
import { openSqliteSuppressionStore } from '../../suppression/index.js';
import { activityOf, ContactActivityProjector } from './activity-projector.js';
import { openSqliteContactStore } from './sqlite-contact-store.js';

const T = 1_800_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'baton-activity-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const events: BatonEvent[] = [
  { type: 'delivered', queueId: 'q1', at: T, recipient: 'Ann@X.test', attempt: 1 },
  { type: 'bounced', queueId: 'q2', at: T + 1, recipient: 'bob@x.test', attempt: 1, classification: { kind: 'soft', category: 'policy' } },
  { type: 'deferred', queueId: 'q3', at: T + 2, recipient: 'bob@x.test', attempt: 1 },
  { type: 'suppression-added', at: T + 3, address: 'cy@x.test', reason: 'unsubscribe' },
  { type: 'suppression-added', at: T + 4, address: 'dee@x.test', reason: 'hard-bounce' },
  { type: 'complained', at: T + 5, recipient: 'ann@x.test', queueId: 'q1' },
] as BatonEvent[];
const stored: StoredEvent[] = events.map((event, i) => ({ id: i + 1, event }));

test('activity: delivered, every bounced (hard or soft), unsubscribe suppressions, complaints; addresses lower case; nothing else', () => {
  assert.deepEqual(activityOf(stored), [
    { address: 'ann@x.test', event: 'delivered', at: T },
    { address: 'bob@x.test', event: 'bounced', at: T + 1 },
    { address: 'cy@x.test', event: 'unsubscribed', at: T + 3 },
    { address: 'ann@x.test', event: 'complained', at: T + 5 },
  ]);
});

test('the projector takes each outbox event once, and a second projector after a restart adds nothing', async () => {
  const path = join(dir, 'a.db');
  const sup = openSqliteSuppressionStore({ path });
  const contacts = openSqliteContactStore({ path, now: () => T });
  // Activity is kept for contacts only: ann is one, the others are not (their events leave no row).
  await contacts.upsert('ann@x.test', {}, T);
  const feed = { readEvents: async (after: number, limit: number) => stored.filter((e) => e.id > after).slice(0, limit) };
  try {
    for (let run = 0; run < 2; run++) {
      const p = new ContactActivityProjector({ contacts, events: feed, logger: silentLogger(), pollMs: 10 });
      p.start();
      // Caught up when the cursor reaches the last event id.
      while ((await contacts.activityCursor()) < stored.length) await new Promise((r) => setImmediate(r));
      await p.stop();
    }
    assert.deepEqual(await contacts.activity('ann@x.test'), [{ event: 'complained', lastAt: T + 5, count: 1 }, { event: 'delivered', lastAt: T, count: 1 }]);
    assert.deepEqual(await contacts.activity('bob@x.test'), [], 'not a contact: no row');
  } finally {
    await contacts.close();
    await sup.close();
  }
});
