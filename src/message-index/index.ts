export { INDEX_STATES, IndexCursorMoved } from './index-store.js';
export type { IndexChange, IndexedMessage, IndexedMessageFields, IndexedRecipient, IndexState, MessageIndexStore, SearchPage, SearchPosition, SearchQuery } from './index-store.js';
export { projectEvent, projectEvents } from './projection.js';
export { MessageIndexProjector, type ProjectorOptions } from './projector.js';
export { openSqliteMessageIndex } from './sqlite-index-store.js';
export { MESSAGE_INDEX_SCHEMA } from './index-migrations.js';
