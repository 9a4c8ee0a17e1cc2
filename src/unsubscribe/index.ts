export { MAILTO_PREFIX, UnsubscribeTokens, type TokenCheck, type TokenKey, type UnsubscribeRequest } from './tokens.js';
export { LIST_UNSUBSCRIBE, LIST_UNSUBSCRIBE_POST, senderUnsubscribe, type SenderUnsubscribe } from './list-unsubscribe.js';
export { UnsubscribeEndpoint, type PublicMount, type UnsubscribeEndpointDeps } from './http-endpoint.js';
export { MailtoUnsubscribe, type MailtoDeps } from './mailto.js';
export { buildUnsubscribe, type UnsubscribeParts } from './setup.js';
