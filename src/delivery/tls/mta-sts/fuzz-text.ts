import { prng } from '../../../../test/helpers/seeded-random.js';

/**
 * Seeded random text for the MTA-STS parsers' fuzz tests (a failure names its
 * seed and repeats), drawn mostly from the characters the grammars care about
 * so the parsers' later branches are reached, not just their first check.
 */
const ALPHABET = 'v=STSv1;id:mx.*-_ \t\r\nenforce testing none max_age version 0123456789abcXYZ\u00e9\u0000%';

export function randomText(seed: number, maxLength: number): string {
  const r = prng(seed);
  const length = r.int(maxLength + 1);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[r.int(ALPHABET.length)];
  return out;
}
