/**
 * Deterministic random text for the parsers' fuzz tests: seeded (a failure
 * names its seed and repeats), drawn mostly from the characters the grammars
 * care about so the parsers' branches are reached, not just their first check.
 */
const ALPHABET = 'v=STSv1;id:mx.*-_ \t\r\nenforce testing none max_age version 0123456789abcXYZ\u00e9\u0000%';

export function randomText(seed: number, maxLength: number): string {
  let state = (seed * 2654435761 + 1) >>> 0;
  const next = () => {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  const length = next() % (maxLength + 1);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[next() % ALPHABET.length];
  return out;
}
