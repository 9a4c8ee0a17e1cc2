import { after } from 'node:test';
import { flowStoreContract } from './flow-store.contract.js';
import { sqliteFlowFixture, tempDir } from './test-fixtures.js';

const dir = tempDir('baton-flows-');
after(() => dir.remove());

flowStoreContract('sqlite', async () => sqliteFlowFixture(dir.path()));
