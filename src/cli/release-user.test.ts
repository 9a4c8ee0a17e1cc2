import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { QueueId } from '../core/index.js';
import type { EnqueueRequest } from '../queue/index.js';
import { openStores } from '../stores/index.js';
import { releaseUser } from './release-user.js';

const NOW = 1_800_000_000_000;
const dir = mkdtempSync(join(tmpdir(), 'baton-release-user-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function held(id: string, user: string | undefined): EnqueueRequest {
  return {
    id: id as QueueId,
    envelope: { mailFrom: { local: 'a', domain: 'a.test' }, recipients: [{ address: { local: 'r', domain: 'x.test' } }], params: {} },
    origin: { kind: 'smtp', clientIp: '127.0.0.1', ...(user ? { user } : {}) },
    message: Buffer.from('Subject: x\r\n\r\nx\r\n'),
    receivedAt: NOW,
    expiresAt: NOW + 86_400_000,
    held: true,
  };
}

test('release --user lifts containment, releases only that user\'s held messages, and records containment-lifted', async () => {
  const stores = await openStores({ queue: { path: join(dir, 'a.db') } } as never, { clock: { now: () => NOW } });
  try {
    await stores.users.addUser('alice', 'pw', ['a.test']);
    await stores.users.updateSettings('alice', { contained: { at: NOW - 5, trigger: 'rate', reason: 'a burst' } });
    await stores.queue.enqueue(held('0000000000AAAAAAAAA1', 'alice'));
    await stores.queue.enqueue(held('0000000000AAAAAAAAA2', 'alice'));
    await stores.queue.enqueue(held('0000000000BBBBBBBBB1', 'bob'));
    await stores.queue.enqueue(held('0000000000CCCCCCCCC1', undefined));
    assert.deepEqual(await releaseUser(stores, 'alice', NOW), { released: 2, lifted: true });
    const settings = (await stores.users.getUser('alice'))?.settings;
    assert.equal(settings?.contained, undefined);
    assert.equal(settings?.containmentLiftedAt, NOW);
    assert.deepEqual((await stores.queue.list({ held: true })).map((m) => m.id).sort(), ['0000000000BBBBBBBBB1', '0000000000CCCCCCCCC1']);
    const lifted = (await stores.events.recent('containment-lifted', 0, 10)).map((s) => s.event);
    assert.deepEqual(lifted, [{ type: 'containment-lifted', at: NOW, user: 'alice', released: 2 }]);
  } finally {
    await stores.close();
  }
});

test('a user who is not contained is not marked lifted (its evidence is not forgiven); an unknown user is an error', async () => {
  const stores = await openStores({ queue: { path: join(dir, 'b.db') } } as never, { clock: { now: () => NOW } });
  try {
    await stores.users.addUser('carol', 'pw', ['a.test']);
    assert.deepEqual(await releaseUser(stores, 'carol', NOW), { released: 0, lifted: false });
    assert.equal((await stores.users.getUser('carol'))?.settings.containmentLiftedAt, undefined);
    assert.deepEqual(await stores.events.recent('containment-lifted', 0, 10), []);
    await assert.rejects(releaseUser(stores, 'nobody', NOW), /no user nobody \(see "baton user list"\)/);
  } finally {
    await stores.close();
  }
});
