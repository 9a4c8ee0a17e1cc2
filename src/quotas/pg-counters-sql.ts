import { ROW_SCHEMA_VERSION } from '../sqlite/index.js';
import { BASELINE_WEIGHT, HOUR_MS } from './windows.js';

/**
 * The SQL of the PostgreSQL sending counters (pg-sending-counters.ts).
 *
 * A flush adds each node's counts to the shared row as increments, in one
 * INSERT … ON CONFLICT DO UPDATE per batch: the new value is computed from
 * the row as it is when the statement locks it, so two nodes flushing at
 * once both count (an absolute write would keep only the last node's).
 *
 * A delta belongs to the windows it was counted in. The statement rolls the
 * stored windows forward as windows.ts `rollTo` does:
 * - a delta of the stored hour (day) adds to it;
 * - a delta of a later hour (day) starts it: the stored hour's messages are
 *   folded into the baseline, one decay step per idle hour after it;
 * - a delta of an earlier hour (another node already moved on: it flushed
 *   after the boundary) no longer counts in the hour, which is over, but
 *   still counts in the day if the day is the same. What the baseline then
 *   misses is at most one flush interval of one node's traffic.
 */

/** `ended` hours after the stored one: the stored hour's messages folded in, then (ended - 1) idle hours of decay (windows.ts rollTo). */
const FOLDED = `(t.baseline + $10::float8 * (t.hour_messages - t.baseline)) * power(1 - $10::float8, LEAST((excluded.hour_start - t.hour_start) / ${HOUR_MS} - 1, 24 * 365))`;

/** `column` after adding the delta's, by which window the delta is in. */
const rolled = (window: 'hour' | 'day', column: string): string =>
  `${column} = CASE WHEN excluded.${window}_start > t.${window}_start THEN excluded.${column}
    WHEN excluded.${window}_start = t.${window}_start THEN t.${column} + excluded.${column} ELSE t.${column} END`;

/**
 * $1 users (each once: a row may be touched once per statement), $2-$9 the
 * deltas and their windows, $10 BASELINE_WEIGHT. A new row starts with a
 * baseline of 0, as `emptyCounts` does.
 */
export const ADD_DELTAS = `
INSERT INTO sending_counters AS t (user_name, hour_start, hour_messages, hour_recipients, day_start, day_messages, day_recipients, day_bounces, day_complaints, baseline, updated_at, schema_version)
SELECT u, hs, hm, hr, ds, dm, dr, dbo, dc, 0, (extract(epoch FROM clock_timestamp()) * 1000)::bigint, ${ROW_SCHEMA_VERSION}
  FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[]) AS d(u, hs, hm, hr, ds, dm, dr, dbo, dc)
ON CONFLICT (user_name) DO UPDATE SET
  baseline = CASE WHEN excluded.hour_start <= t.hour_start THEN t.baseline WHEN ${FOLDED} < 1e-6 THEN 0 ELSE ${FOLDED} END,
  hour_start = GREATEST(t.hour_start, excluded.hour_start),
  ${rolled('hour', 'hour_messages')},
  ${rolled('hour', 'hour_recipients')},
  day_start = GREATEST(t.day_start, excluded.day_start),
  ${rolled('day', 'day_messages')},
  ${rolled('day', 'day_recipients')},
  ${rolled('day', 'day_bounces')},
  ${rolled('day', 'day_complaints')},
  updated_at = excluded.updated_at`;

export const WEIGHT = BASELINE_WEIGHT;

export const ROW_COLUMNS = 'user_name, hour_start, hour_messages, hour_recipients, day_start, day_messages, day_recipients, day_bounces, day_complaints, baseline';

/** The database's clock in ms: rows are re-read by it, so node clocks that disagree do not matter. */
export const DB_NOW = 'SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now';
