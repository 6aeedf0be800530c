/**
 * Tanimoto similarity of molecules on Morgan fingerprints (2,048 bits, radius chosen by the
 * caller), bit-packed so that a comparison is 64 popcounts. The empty role ('') is its own kind of
 * "molecule": similar (1) to itself and to nothing else.
 */
import { morganFingerprint } from '../../chem/index.js';

const packed = new Map<string, Uint32Array>();

function words(smiles: string, radius: number): Uint32Array {
  const key = `${radius}\u0000${smiles}`;
  let w = packed.get(key);
  if (!w) {
    const bits = morganFingerprint(smiles, { radius, nBits: 2048 });
    w = new Uint32Array(bits.length / 32);
    bits.forEach((bit, i) => {
      if (bit) w![i >>> 5] = w![i >>> 5]! | (1 << (i & 31));
    });
    if (packed.size > 50_000) packed.clear();
    packed.set(key, w);
  }
  return w;
}

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function moleculeSimilarity(a: string, b: string, radius: number): number {
  if (a === b) return 1;
  if (a === '' || b === '') return 0;
  const wa = words(a, radius);
  const wb = words(b, radius);
  let both = 0;
  let either = 0;
  for (let i = 0; i < wa.length; i++) {
    both += popcount(wa[i]! & wb[i]!);
    either += popcount(wa[i]! | wb[i]!);
  }
  return either === 0 ? 0 : both / either;
}
