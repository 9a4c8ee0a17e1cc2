export type { ClusterStore, LeaderLease, NodeRecord, NodeRegistration, QueueLeaseSummary, TokenGrant } from './cluster-store.js';
export { openSqliteClusterStore, type SqliteClusterStoreOptions } from './sqlite-cluster-store.js';
export { openPgClusterStore } from './pg-cluster-store.js';
export { judgeOwners, nodeState, type NodeState, type OwnerJudgement, type OwnerLiveness } from './liveness.js';
export { NodePresence, type NodePresenceDeps } from './node-presence.js';
export { LeaderLoops, type LeaderLoopsDeps, type SingletonLoop, type Singletons } from './leader-loops.js';
export { ClusterRates, rateWindow, type ClusterRatesDeps } from './cluster-rates.js';
export { clusterStatus, type ClusterStatus } from './status.js';
export { setUpCluster, type ClusterParts } from './setup.js';
