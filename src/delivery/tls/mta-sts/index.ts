export { MtaStsSource, type MtaStsSourceOptions } from './mta-sts-source.js';
export { httpsPolicyFetcher, type PolicyFetcher } from './policy-fetcher.js';
