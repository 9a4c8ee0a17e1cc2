export { OutboundTransforms, type OutboundTransform, type OutboundView } from './outbound.js';
export { dkimSigningTransform, type DkimSigningOptions } from './dkim-signing.js';
export { listUnsubscribeTransform, type ListUnsubscribeOptions } from './list-unsubscribe.js';
