import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { TemplateStore } from './template-store.js';

/** The shared suite every TemplateStore backend passes (DESIGN §9 Store); `open` gives a fresh, empty store. */
export function templateStoreContract(name: string, open: () => Promise<TemplateStore>): void {
  async function withStore(fn: (s: TemplateStore) => Promise<void>): Promise<void> {
    const s = await open();
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  }

  describe(`TemplateStore contract: ${name}`, () => {
    test('create and get keep every part; absent parts stay absent', () =>
      withStore(async (s) => {
        const a = await s.create({ name: 'welcome', subject: 'Hi {{ first_name }}', html: '<p>Hi</p>', text: 'Hi', defaults: { first_name: 'there', n: 2, ok: true, none: null } }, 500);
        assert.deepEqual(await s.get(a.id), {
          id: a.id,
          name: 'welcome',
          subject: 'Hi {{ first_name }}',
          html: '<p>Hi</p>',
          text: 'Hi',
          defaults: { first_name: 'there', n: 2, ok: true, none: null },
          createdAt: 500,
          updatedAt: 500,
        });
        const b = await s.create({ name: 'plain', subject: 's', text: 't' }, 600);
        assert.deepEqual(b, { id: b.id, name: 'plain', subject: 's', text: 't', defaults: {}, createdAt: 600, updatedAt: 600 });
        assert.equal(await s.get(b.id + 100), undefined);
      }));

    test('list pages in id order; update replaces every field and its updatedAt grows even within one ms; delete', () =>
      withStore(async (s) => {
        const ids: number[] = [];
        for (let i = 0; i < 3; i++) ids.push((await s.create({ name: `t${i}`, subject: 's', html: 'h' }, 10)).id);
        assert.deepEqual((await s.list({ limit: 2 })).map((t) => t.name), ['t0', 't1']);
        assert.deepEqual((await s.list({ limit: 2, after: ids[1] as number })).map((t) => t.name), ['t2']);
        const u = await s.update(ids[0] as number, { name: 'new', subject: 'S', text: 'T' }, 10);
        assert.deepEqual(u, { id: ids[0], name: 'new', subject: 'S', text: 'T', defaults: {}, createdAt: 10, updatedAt: 11 });
        assert.equal((await s.update(ids[0] as number, { name: 'new', subject: 'S', text: 'T' }, 5))?.updatedAt, 12);
        assert.equal((await s.update(ids[0] as number, { name: 'new', subject: 'S', text: 'T' }, 100))?.updatedAt, 100);
        assert.equal(await s.update(9999, { name: 'x', subject: 'x' }, 1), undefined);
        assert.equal(await s.delete(ids[2] as number), true);
        assert.equal(await s.delete(ids[2] as number), false);
        assert.deepEqual((await s.list({ limit: 10 })).map((t) => t.name), ['new', 't1']);
      }));
  });
}
