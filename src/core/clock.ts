/** Time and randomness come in through these so tests can fake them (DESIGN §2). */
export interface Clock {
  now(): number;
}
export interface Random {
  /** A float in [0, 1). */
  next(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
export const systemRandom: Random = { next: () => Math.random() };
