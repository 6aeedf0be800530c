/**
 * Tanimoto similarity of molecules on Morgan fingerprints (2,048 bits, radius chosen by the
 * caller), bit-packed so that a comparison is 64 popcounts. The empty role ('') is its own kind of
 * "molecule": similar (1) to itself and to nothing else.
 */
import { morganFingerprint } from '../../chem/index.js';

const packed = new Map<string, Uint32Array>();

/** Bits (one byte each) packed 32 to a word. */
export function packBits(bits: Uint8Array): Uint32Array {
  const w = new Uint32Array(Math.ceil(bits.length / 32));
  bits.forEach((bit, i) => {
    if (bit) w[i >>> 5] = w[i >>> 5]! | (1 << (i & 31));
  });
  return w;
}

function words(smiles: string, radius: number): Uint32Array {
  const key = `${radius}\u0000${smiles}`;
  let w = packed.get(key);
  if (!w) {
    w = packBits(morganFingerprint(smiles, { radius, nBits: 2048 }));
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

function tanimotoWords(wa: Uint32Array, wb: Uint32Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < wa.length; i++) {
    both += popcount(wa[i]! & wb[i]!);
    either += popcount(wa[i]! | wb[i]!);
  }
  return either === 0 ? 0 : both / either;
}

export function moleculeSimilarity(a: string, b: string, radius: number): number {
  if (a === b) return 1;
  if (a === '' || b === '') return 0;
  return tanimotoWords(words(a, radius), words(b, radius));
}

/** Tanimoto of a fingerprint given as packed bits (2,048, e.g. one with some bits removed) and a molecule's. */
export function fingerprintSimilarity(query: Uint32Array, b: string, radius: number): number {
  if (b === '') return 0;
  return tanimotoWords(query, words(b, radius));
}
