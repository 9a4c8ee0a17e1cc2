export { BatonMetrics, QUEUE_STATS_CACHE_MS, type InboundConnections, type MetricsDeps, type WebhookLag } from './metrics.js';
export { COUNTED_EVENTS, EventCounters } from './event-counters.js';
