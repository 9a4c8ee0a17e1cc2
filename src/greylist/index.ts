export { clientNetwork, decideGreylist, tripletKey, type GreylistDecision } from './greylist.js';
export { GREYLIST_SCHEMA } from './greylist-migrations.js';
export type { GreylistState, GreylistStore, NetworkRecord, TripletRecord } from './greylist-store.js';
export { openSqliteGreylistStore } from './sqlite-greylist-store.js';
