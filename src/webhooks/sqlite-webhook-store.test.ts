import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openSqliteWebhookStore } from './sqlite-webhook-store.js';
import { webhookStoreContract } from './webhook-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'baton-webhooks-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

webhookStoreContract('sqlite', async () => openSqliteWebhookStore({ path: join(dir, `w${++n}.db`) }));
