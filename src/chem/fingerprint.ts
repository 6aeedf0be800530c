// Morgan (ECFP-like) bit fingerprints and Tanimoto similarity, for nearest-
// neighbour lookups and diversity in the planner.
import { BoundedCache } from './cache.js';
import { withMolecule } from './parse.js';
import type { RDKitMol } from './rdkit.js';
import { canonicalSmiles } from './smiles.js';

export interface MorganOptions {
  /** default 2 (ECFP4) */
  radius?: number;
  /** default 2048 */
  nBits?: number;
}

const fingerprints = new BoundedCache<string, Uint8Array>(50_000);

/**
 * One byte (0 or 1) per bit. Cached by (canonical SMILES, radius, nBits) and
 * shared between callers, so do not mutate the result. '' gives all zeros.
 */
export function morganFingerprint(smiles: string, opts: MorganOptions = {}): Uint8Array {
  const { radius, nBits } = checkedOptions(opts);
  const canonical = canonicalSmiles(smiles);
  return fingerprints.getOrCreate(keyOf(canonical, radius, nBits), () => {
    if (canonical === '') return new Uint8Array(nBits);
    return withMolecule(canonical, (mol) => bitsOf(mol, radius, nBits));
  });
}

/**
 * Computes and keeps the fingerprint of a molecule already parsed (its canonical SMILES given),
 * so that morganFingerprint later answers from the cache: a virtual screen parses each library
 * molecule once for both its canonical form and the model's fingerprint.
 */
export function rememberMorganFingerprint(canonical: string, mol: RDKitMol, opts: MorganOptions = {}): void {
  const { radius, nBits } = checkedOptions(opts);
  if (canonical !== '') fingerprints.getOrCreate(keyOf(canonical, radius, nBits), () => bitsOf(mol, radius, nBits));
}

function checkedOptions(opts: MorganOptions): { radius: number; nBits: number } {
  const radius = opts.radius ?? 2;
  const nBits = opts.nBits ?? 2048;
  if (!Number.isInteger(radius) || radius < 0) throw new RangeError(`Morgan radius must be a non-negative integer, got ${radius}`);
  if (!Number.isInteger(nBits) || nBits < 1) throw new RangeError(`Morgan nBits must be a positive integer, got ${nBits}`);
  return { radius, nBits };
}

const keyOf = (canonical: string, radius: number, nBits: number) => `${canonical}\u0000${radius}\u0000${nBits}`;

function bitsOf(mol: RDKitMol, radius: number, nBits: number): Uint8Array {
  // get_morgan_fp returns the bits as a '0'/'1' string, which maps directly onto our layout.
  const bits = mol.get_morgan_fp(JSON.stringify({ radius, nBits }));
  if (bits.length !== nBits) throw new Error(`RDKit returned ${bits.length} Morgan bits, expected ${nBits}`);
  // '0' and '1' are char codes 48 and 49 (a loop over char codes: Uint8Array.from with a
  // callback per character was 15 % of a virtual screen's time)
  const out = new Uint8Array(nBits);
  for (let i = 0; i < nBits; i++) out[i] = bits.charCodeAt(i) - 48;
  return out;
}

/** |A∩B| / |A∪B| over set bits; 0 when neither has any bit set. */
export function tanimoto(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) throw new RangeError(`fingerprint lengths differ: ${a.length} vs ${b.length}`);
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    const inA = a[i] !== 0;
    const inB = b[i] !== 0;
    if (inA && inB) both++;
    if (inA || inB) either++;
  }
  return either === 0 ? 0 : both / either;
}
