import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSqliteTemplateStore } from './sqlite-template-store.js';
import { templateStoreContract } from './template-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-templates-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

templateStoreContract('sqlite', async () => openSqliteTemplateStore({ path: join(dir, `t${++n}.db`) }));
