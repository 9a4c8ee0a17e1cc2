export { OutboundTransforms, type OutboundTransform, type OutboundView } from './outbound.js';
