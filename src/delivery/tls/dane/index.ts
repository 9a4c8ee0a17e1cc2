export { DaneSource, type DaneSourceOptions } from './dane-source.js';
export { isUsable, matchChain, presentTlsa, recordMatches, type MatchInput } from './tlsa-match.js';
