export { Containment, type ContainmentDeps } from './containment.js';
export { containmentTrigger, type ContainmentTrigger } from './containment-model.js';
export { breachText, effectiveLimits, messageBreach, recipientBreach, type DefaultLimits, type QuotaBreach } from './quota-decision.js';
export type { SendingCounters } from './sending-counters.js';
export { openSqliteSendingCounters } from './sqlite-sending-counters.js';
export { QUOTAS_SCHEMA } from './counters-migrations.js';
export { BASELINE_WEIGHT, DAY_MS, HOUR_MS, addCounts, emptyCounts, rollTo, startOfDay, startOfHour, type CountsDelta, type UserCounts } from './windows.js';
export { senderUsage, type SenderUsage } from './user-usage.js';
