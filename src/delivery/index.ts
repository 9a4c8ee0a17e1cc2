export { DeliveryEngine, type EngineDeps } from './engine.js';
export { Finisher, type FinisherDeps } from './finisher.js';
export { ConnectionPool } from './connection-pool.js';
export { deliverRemote, type DeliveryJob, type RecipientVerdict } from './remote-delivery.js';
export { deliverLocal } from './local-delivery.js';
export { connect } from './smtp-client.js';
export { resolveSite, selfCheck, type SiteResolution } from './mx.js';
