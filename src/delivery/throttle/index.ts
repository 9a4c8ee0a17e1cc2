export type { Admission, Throttle, ThrottleSlot } from './throttle.js';
export { Shaper, type ShaperDeps } from './shaper.js';
export { mergeProviders, SHIPPED_PROVIDERS, type Provider } from './providers.js';
export { isThrottlingReply } from './throttling-reply.js';
export type { SharedRates } from './shared-rates.js';
