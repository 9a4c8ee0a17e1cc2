export { buildDsn, dsnStatus, wantsNotice, DEFAULT_RETURN_SIZE_LIMIT, type BuiltDsn, type DsnAction, type DsnInput, type DsnRecipient } from './dsn.js';
export { classifyBounce, isHardBounce, type BounceCategory } from './classify.js';
export { dsnInputFromMessage } from './from-queue.js';
export type { DsnKind } from './explain.js';
