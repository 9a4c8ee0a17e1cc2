import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { seedSqliteContacts } from './contact-seed.js';
import { segmentStoreContract } from './segment-store.contract.js';
import { openSqliteSegmentStore } from './sqlite-segment-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-segments-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

segmentStoreContract('sqlite', async () => {
  const path = join(dir, `s${++n}.db`);
  return { store: openSqliteSegmentStore({ path }), seed: async (s) => seedSqliteContacts(path, s) };
});
