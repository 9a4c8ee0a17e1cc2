// Cost of the metrics on the hot path: events per second through the EventBus
// with and without the metric counters subscribed (src/metrics), for the
// events one relayed message makes (accepted, delivered) and for a deferral.
// Runs the real EventBus and BatonMetrics from dist/ (npm run build first).
//
//   node bench/metrics-listener.mjs [events]
import { EventBus } from '../dist/src/events/index.js';
import { BatonMetrics } from '../dist/src/metrics/index.js';

const N = Number(process.argv[2] ?? 2_000_000);
const at = Date.now();
const accepted = { type: 'accepted', queueId: 'Q1', at, sender: 's@app.test', recipients: ['r@gmail.test'], size: 1024, origin: { kind: 'smtp' } };
const delivered = { type: 'delivered', queueId: 'Q1', at, recipient: 'r@gmail.test', attempt: 1 };
const deferred = { type: 'deferred', queueId: 'Q1', at, recipient: 'r@gmail.test', attempt: 1, nextAttemptAt: at, classification: { kind: 'soft', category: 'throttled' } };
const batch = [[accepted], [delivered], [deferred]];

function run(bus) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) bus.publish(batch[i % 3]);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const bare = new EventBus();
// Something else listens (as the logs do), so publish does its usual lookup either way.
bare.subscribe(['accepted', 'delivered', 'deferred'], () => {});
const metered = new EventBus();
metered.subscribe(['accepted', 'delivered', 'deferred'], () => {});
new BatonMetrics({ bus: metered, clock: { now: () => Date.now() }, processMetrics: false });

for (let round = 0; round < 3; round++) {
  const a = run(bare);
  const b = run(metered);
  const perEventNs = ((b - a) / N) * 1e9;
  console.log(
    `round ${round + 1}: without metrics ${(N / a / 1e6).toFixed(2)} M events/s, with ${(N / b / 1e6).toFixed(2)} M events/s; ` +
      `cost ${perEventNs.toFixed(0)} ns per event (a relayed message makes 2 events: ~${((2 * perEventNs) / 1000).toFixed(2)} µs)`,
  );
}
