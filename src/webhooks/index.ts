export type { NewWebhookEndpoint, WebhookDelivery, WebhookEndpoint, WebhookPatch, WebhookStore } from './webhook-store.js';
export { DELIVERIES_KEPT } from './webhook-store.js';
export { openSqliteWebhookStore } from './sqlite-webhook-store.js';
export { WEBHOOKS_SCHEMA } from './webhook-migrations.js';
export { SIGNATURE_HEADER, WEBHOOK_ID_HEADER, DEFAULT_TOLERANCE_SECONDS, newWebhookSecret, signatureHeader, verifyWebhookSignature, type VerifyResult } from './signature.js';
export { httpPoster, type PostResult, type Poster } from './http-post.js';
export { WebhookDeliverer, POLL_MS, type StepResult } from './deliverer.js';
export { WebhookAdmin, WebhookError, checkEvents, checkUrl, endpointView, type NewWebhookRequest, type ReplayFrom, type WebhookLag } from './admin.js';
export { setUpWebhooks, type Webhooks } from './setup.js';
