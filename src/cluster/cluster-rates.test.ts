import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestPgDatabase, TEST_PG_URL } from '../../test/helpers/pg.js';
import { parseConfig } from '../config/index.js';
import { systemClock } from '../core/index.js';
import type { DeliveryJob } from '../delivery/index.js';
import { Shaper } from '../delivery/throttle/index.js';
import { silentLogger } from '../log/index.js';
import { openPgDatabase } from '../postgres/index.js';
import type { MessageSummary } from '../queue/index.js';
import { ClusterRates, rateWindow } from './cluster-rates.js';
import { openPgClusterStore } from './pg-cluster-store.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('rate windows: one second at 1/s and more, longer below, never more starts than the rate', () => {
  assert.deepEqual(rateWindow(50), { windowMs: 1000, limit: 50 });
  assert.deepEqual(rateWindow(2.5), { windowMs: 1000, limit: 2 });
  assert.deepEqual(rateWindow(0.5), { windowMs: 2000, limit: 1 });
  assert.deepEqual(rateWindow(1 / 60), { windowMs: 60_000, limit: 1 });
});

/** A job to one site whose MX is mx.example (a shaping `sites` rule matches it). */
const job = (): DeliveryJob =>
  ({
    message: { id: 'Q' } as unknown as MessageSummary,
    recipients: [],
    domain: 'example.test',
    route: { kind: 'mx', tls: 'opportunistic' },
    transport: { send: async () => [] },
    siteKey: 'site:mx.example',
    mx: { ok: true, domain: 'example.test', hosts: [{ host: 'mx.example', preference: 0, addresses: [] }], implicit: false },
  }) as unknown as DeliveryJob;

test('two nodes\' shapers sharing a site rate of 20/s through PostgreSQL start at most 20 a second together', async () => {
  const a = await openTestPgDatabase({ poolSize: 3 });
  const b = openPgDatabase({ url: TEST_PG_URL, schema: a.schema, poolSize: 3 });
  const stores = [await openPgClusterStore({ db: a }), await openPgClusterStore({ db: b })];
  const config = parseConfig({ shaping: { providers: false, sites: [{ mx: ['mx.example'], rate: '20/s', connections: 1000 }] }, delivery: { maxConnections: 1000, maxConnectionsPerSite: 1000 } }, '/tmp');
  const starts: number[] = [];
  const node = async (i: number) => {
    const shaper = new Shaper({
      delivery: config.delivery,
      shaping: config.shaping,
      providers: [],
      clock: systemClock,
      onChange: () => {},
      sharedRates: new ClusterRates({ store: stores[i] as never, clock: systemClock, logger: silentLogger(), nodes: () => 2 }),
    });
    const until = Date.now() + 3200;
    while (Date.now() < until) {
      const answer = shaper.admit(job());
      if (answer.kind === 'go') {
        starts.push(Date.now());
        answer.slot.done([]);
      } else await sleep(answer.kind === 'wait' && answer.until !== undefined ? Math.max(1, Math.min(50, answer.until - Date.now())) : 5);
    }
  };
  try {
    await Promise.all([node(0), node(1)]);
    // Windows are whole seconds of the database clock, here the same machine's clock.
    const perSecond = new Map<number, number>();
    for (const t of starts) perSecond.set(Math.floor(t / 1000), (perSecond.get(Math.floor(t / 1000)) ?? 0) + 1);
    const counts = [...perSecond.values()];
    assert.ok(counts.every((c) => c <= 20), `starts per second, both nodes: ${counts.join(' ')}`);
    console.log(`# starts per second, both nodes: ${counts.join(' ')}`);
    assert.ok(starts.length >= 40, `the shared rate is used, not starved: ${starts.length} starts in 3.2 s`);
  } finally {
    await a.close();
    await b.close();
  }
});
