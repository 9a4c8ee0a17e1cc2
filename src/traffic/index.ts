export { TRAFFIC_SERIES, TrafficCursorMoved } from './traffic-store.js';
export type { BucketCounts, MinuteCounts, TrafficCounts, TrafficSeries, TrafficStore } from './traffic-store.js';
export { HOUR_MS, MINUTE_MS, minuteOf, rollUp, seriesOf } from './rollup.js';
export { TRAFFIC_RANGES, trafficView, type TrafficRange, type TrafficView } from './series.js';
export { TRAFFIC_KEEP_MS, TrafficProjector, type TrafficProjectorOptions } from './projector.js';
export { openSqliteTrafficStore } from './sqlite-traffic-store.js';
export { TRAFFIC_SCHEMA } from './traffic-migrations.js';
