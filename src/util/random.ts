/**
 * Seeded randomness. Every random choice in Athanor derives from the campaign seed plus a stable
 * label (docs/design.md, invariant 4), so a resumed campaign makes the same choices it would have made.
 */
import seedrandom from 'seedrandom';

export type Rng = () => number;

/** A generator for (seed, ...labels): the same inputs always give the same stream. */
export function rngFor(seed: number, ...labels: (string | number)[]): Rng {
  return seedrandom([seed, ...labels].join('\u241f'));
}

/** Fisher–Yates shuffle of a copy. */
export function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** Standard normal draw (Box–Muller). */
export function normal(rng: Rng): number {
  let u = 0;
  while (u === 0) u = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/**
 * A sample of `keep` items in all from several groups, each group in proportion to its size (at
 * least one item), each shuffled by its own generator; the groups whole when they hold no more.
 */
export function sampleInProportion<T>(groups: readonly (readonly T[])[], keep: number, rngOf: (group: number) => Rng): T[][] {
  const total = groups.reduce((s, g) => s + g.length, 0);
  if (total <= keep) return groups.map((g) => [...g]);
  return groups.map((g, i) => (g.length <= 1 ? [...g] : shuffled(g, rngOf(i)).slice(0, Math.max(1, Math.round((g.length * keep) / total)))));
}
