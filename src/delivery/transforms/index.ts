export { OutboundTransforms, type OutboundTransform, type OutboundView } from './outbound.js';
export { dkimSigningTransform, type DkimSigningOptions } from './dkim-signing.js';
