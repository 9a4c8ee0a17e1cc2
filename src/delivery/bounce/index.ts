export { buildDsn, dsnStatus, wantsNotice, DEFAULT_RETURN_SIZE_LIMIT, type BuiltDsn, type DsnAction, type DsnInput, type DsnRecipient } from './dsn.js';
export { BOUNCE_CATEGORIES, BounceClassifier, suppressesAddress, type BounceCategory, type BounceKind, type BounceRule, type Classification, type ReplyFacts } from './classify.js';
export { dsnInputFromMessage } from './from-queue.js';
export { loadBounceClassifier, parseBounceRules } from './rules-file.js';
export type { DsnKind } from './explain.js';
