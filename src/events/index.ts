export type * from './types.js';
export { EVENT_TYPES, eventQueueId } from './types.js';
export type { EventStore } from './event-store.js';
export { EventBus } from './bus.js';
export { EVENTS_SCHEMA } from './sqlite/migrations.js';
export { EventReader, EventWriter } from './sqlite/event-rows.js';
export { logEvents, logLine } from './log-events.js';
export { EventPruner } from './pruner.js';
export { OutboxProjector, outboxFeed, type OutboxFeedOptions, type OutboxProjectorOptions, type ProjectionTarget } from './outbox-projector.js';
