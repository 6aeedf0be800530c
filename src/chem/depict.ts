// 2D depictions of molecules as SVG, optionally with atoms highlighted: a fixed set of atoms, or
// per-atom weights (e.g. a model's attributions) shown as red (raises the prediction) and blue
// (lowers it), stronger for larger weights.
import { BoundedCache } from './cache.js';
import { normaliseSmilesText, withMolecule } from './parse.js';

export interface DepictOptions {
  width?: number;
  height?: number;
  /** Atom indices (in the order RDKit parses the SMILES) to mark in one colour. */
  highlightAtoms?: number[];
  /** Atom index → signed weight; coloured by sign, intensity by |weight| relative to the largest. */
  atomWeights?: Record<number, number> | number[];
  legend?: string;
}

type Rgb = [number, number, number];

const HIGHLIGHT: Rgb = [1, 0.8, 0.25];
const POSITIVE: Rgb = [0.86, 0.15, 0.15];
const NEGATIVE: Rgb = [0.15, 0.35, 0.86];
/** Weights under this share of the largest are left unmarked, so noise does not paint the whole molecule. */
const WEIGHT_FLOOR = 0.05;

const depictions = new BoundedCache<string, string>(2_000);

function mix(color: Rgb, strength: number): Rgb {
  return color.map((c) => 1 - strength * (1 - c)) as Rgb;
}

function weightHighlights(weights: Record<number, number> | number[]): { atoms: number[]; colors: Record<string, Rgb> } {
  const entries = Object.entries(weights).map(([k, w]) => [Number(k), Number(w)] as const).filter(([, w]) => Number.isFinite(w));
  const largest = Math.max(0, ...entries.map(([, w]) => Math.abs(w)));
  const atoms: number[] = [];
  const colors: Record<string, Rgb> = {};
  if (largest === 0) return { atoms, colors };
  for (const [atom, w] of entries) {
    const strength = Math.abs(w) / largest;
    if (strength < WEIGHT_FLOOR) continue;
    atoms.push(atom);
    colors[String(atom)] = mix(w > 0 ? POSITIVE : NEGATIVE, 0.25 + 0.75 * strength);
  }
  return { atoms, colors };
}

/**
 * An SVG drawing of the molecule (no XML prolog, so it can be inlined or served as is). Throws
 * SmilesError for text that is not a SMILES; blank input gives an empty drawing.
 */
export function moleculeSvg(smiles: string, options: DepictOptions = {}): string {
  const width = Math.round(options.width ?? 240);
  const height = Math.round(options.height ?? 180);
  const key = JSON.stringify([smiles, width, height, options.highlightAtoms ?? null, options.atomWeights ?? null, options.legend ?? null]);
  const cached = depictions.get(key);
  if (cached !== undefined) return cached;
  const text = normaliseSmilesText(smiles);
  if (text === '') {
    return depictions.set(key, `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"></svg>`);
  }
  const svg = withMolecule(text, (mol) => {
    const atomCount = mol.get_num_atoms();
    // RDKit shrinks atom labels with the drawing (6 px on a large ligand); a floor keeps them legible
    const details: Record<string, unknown> = { width, height, bonds: [], minFontSize: width >= 150 ? 12 : 9 };
    if (options.legend) details.legend = options.legend;
    const valid = (i: number) => Number.isInteger(i) && i >= 0 && i < atomCount;
    if (options.atomWeights) {
      const { atoms, colors } = weightHighlights(options.atomWeights);
      details.atoms = atoms.filter(valid);
      details.highlightAtomColors = colors;
    } else if (options.highlightAtoms) {
      const atoms = options.highlightAtoms.filter(valid);
      details.atoms = atoms;
      details.highlightAtomColors = Object.fromEntries(atoms.map((a) => [String(a), HIGHLIGHT]));
    }
    return mol.get_svg_with_highlights(JSON.stringify(details));
  });
  return depictions.set(key, svg.replace(/^<\?xml[^>]*>\s*/, ''));
}

/**
 * An SVG drawing of a SMILES together with where each atom's centre is drawn (RDKit atom order,
 * i.e. the order atoms are written), for drawings laid over the molecule such as curved arrows.
 * RDKit.js reports no coordinates, so every atom is highlighted with a small circle, which RDKit
 * centres on the atom; the circles' centres are read and the circles removed.
 */
export function moleculeSvgWithPositions(smiles: string, options: { width: number; height: number }): { svg: string; positions: [number, number][] } {
  const text = normaliseSmilesText(smiles);
  if (text === '') return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${options.width}" height="${options.height}"></svg>`, positions: [] };
  const svg = withMolecule(text, (mol) => {
    const atoms = Array.from({ length: mol.get_num_atoms() }, (_, i) => i);
    const details = {
      width: Math.round(options.width),
      height: Math.round(options.height),
      atoms,
      bonds: [],
      atomHighlightsAreCircles: true,
      highlightRadii: Object.fromEntries(atoms.map((i) => [String(i), 0.05])),
      minFontSize: 12,
    };
    return mol.get_svg_with_highlights(JSON.stringify(details));
  });
  const positions: [number, number][] = [];
  const cleaned = svg.replace(/^<\?xml[^>]*>\s*/, '').replace(/<ellipse cx='([\d.-]+)' cy='([\d.-]+)'[^>]*class='atom-(\d+)'[^>]*\/>\n?/g, (_all, x: string, y: string, index: string) => {
    positions[Number(index)] = [Number(x), Number(y)];
    return '';
  });
  return { svg: cleaned, positions };
}
