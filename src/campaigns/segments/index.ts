export { ACTIVITY_EVENTS, ATTR_OPS, MAX_CONDITIONS, MAX_DEPTH, segmentFilterField, segmentFilterSchema, sinceMs, type Condition, type SegmentFilter } from './segment-filter.js';
export { compileSegment, segmentAudienceSql } from './segment-sql.js';
export type { Segment, SegmentPreview, SegmentStore } from './segment-store.js';
export { openSqliteSegmentStore } from './sqlite-segment-store.js';
export { openPgSegmentStore } from './pg-segment-store.js';
export { PG_SEGMENTS_SCHEMA, SEGMENTS_SCHEMA } from './segment-migrations.js';
