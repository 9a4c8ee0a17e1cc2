export * from './address.js';
export * from './clock.js';
export * from './duration.js';
export * from './envelope.js';
export * from './queue-id.js';
export * from './replies.js';
export * from './smtp-error.js';
export * from './smtp-reply.js';
