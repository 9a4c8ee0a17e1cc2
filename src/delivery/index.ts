export { DeliveryEngine, type EngineDeps } from './engine.js';
export { Finisher, type FinisherDeps } from './finisher.js';
export { ConnectionPool } from './connection-pool.js';
export { buildDelivery, type DeliveryParts } from './build.js';
export type { DeliveryJob, RecipientVerdict } from './job.js';
export { connect } from './smtp-client.js';
export { resolveSite, selfCheck, type SiteResolution } from './mx.js';
export type { Transport } from './transports/index.js';
export { dkimSigningTransform, listUnsubscribeTransform, type DkimSigningOptions, type ListUnsubscribeOptions, type OutboundTransform, type OutboundView } from './transforms/index.js';
