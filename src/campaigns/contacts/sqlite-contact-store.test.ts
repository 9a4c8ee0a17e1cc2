import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSqliteSuppressionStore } from '../../suppression/index.js';
import { contactStoreContract } from './contact-store.contract.js';
import { openSqliteContactStore } from './sqlite-contact-store.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-contacts-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

contactStoreContract('sqlite', async () => {
  const path = join(dir, `c${++n}.db`);
  // The suppression concern first: status reads its table (as stores/sqlite-stores.ts opens them).
  const suppressions = openSqliteSuppressionStore({ path });
  const contacts = openSqliteContactStore({ path, now: () => 1_800_000_000_000 });
  return { contacts, suppressions, close: async () => (await contacts.close(), await suppressions.close()) };
});
