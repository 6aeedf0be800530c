/**
 * Whether a generated molecule is one a chemist would consider in a role: no reactive group the
 * role's own substances lack (it would change the chemistry), no strained small ring and no large
 * ring the role's substances do not already have. Counted with RDKit substructure queries.
 */
import { withMolecule } from '../chem/parse.js';
import { useRdkit } from '../chem/runtime.js';
import type { RDKitMol } from '../chem/rdkit.js';

/** Groups that react with the usual partners of a coupling, a condensation or a base. */
export const REACTIVE_GROUPS: Readonly<Record<string, string>> = {
  'acyl halide': '[CX3](=O)[F,Cl,Br,I]',
  'sulfonyl halide': 'S(=O)(=O)[F,Cl,Br,I]',
  anhydride: '[CX3](=O)O[CX3](=O)',
  isocyanate: 'N=C=O',
  isothiocyanate: 'N=C=S',
  azide: 'N=[N+]=[N-]',
  'diazo group': '[C]=[N+]=[N-]',
  peroxide: 'OO',
  aldehyde: '[CX3H1](=O)[#6]',
  epoxide: 'C1OC1',
  aziridine: 'C1NC1',
  'alkyl halide': '[CX4][Cl,Br,I]',
  'aryl halide': 'c[Cl,Br,I]',
  'boronic acid or ester': '[BX3](O)O',
  thiol: '[SX2H1]',
  'primary or secondary amine': '[NX3;H2,H1;!$(NC=O);!$(N-a);!$(NS=O)]',
  aniline: '[NX3;H2,H1;$(N-a)]',
  'carboxylic acid': 'C(=O)[OH1]',
  'Michael acceptor': 'C=C[CX3]=O',
  'nitroso group': '[#6]N=O',
  hydrazine: '[NX3][NX3]',
  'alkenyl or alkynyl halide': '[$([CX3]=[#6]),$([CX2]#[#6])][Cl,Br,I]',
  'N-, O- or S-halide': '[#7,#8,#16][F,Cl,Br,I]',
  'halogen in an unusual valence': '[Cl,Br,I;!X1]',
};

const SMALL_RING = '[r3,r4]';
const LARGE_RING = '[r9,r10,r11,r12,r13,r14,r15,r16,r17,r18,r19,r20]';
const CHARGED = '[+,-,+2,-2,+3,-3]';

export interface StructureProfile {
  /** reactive groups present, by name, with how many times */
  reactive: Record<string, number>;
  smallRing: boolean;
  largeRing: boolean;
  /** an atom with a formal charge */
  charged: boolean;
}

let queries: Map<string, RDKitMol> | undefined;

function query(smarts: string): RDKitMol {
  queries ??= new Map();
  let q = queries.get(smarts);
  if (!q) {
    const parsed = useRdkit((rdkit) => rdkit.get_qmol(smarts));
    if (!parsed) throw new Error(`bad SMARTS ${smarts}`);
    queries.set(smarts, parsed);
    q = parsed;
  }
  return q;
}

function count(mol: RDKitMol, smarts: string): number {
  const matches = JSON.parse(mol.get_substruct_matches(query(smarts))) as unknown;
  return Array.isArray(matches) ? matches.length : 0;
}

export function structureProfile(smiles: string): StructureProfile {
  return withMolecule(smiles, (mol) => {
    const reactive: Record<string, number> = {};
    for (const [name, smarts] of Object.entries(REACTIVE_GROUPS)) {
      const n = count(mol, smarts);
      if (n > 0) reactive[name] = n;
    }
    return { reactive, smallRing: count(mol, SMALL_RING) > 0, largeRing: count(mol, LARGE_RING) > 0, charged: count(mol, CHARGED) > 0 };
  });
}

/**
 * What a role's substances allow: every reactive group at most as often as some substance of the
 * role has it (an aryl bromide role allows one aryl halide, not two), rings and charges as they
 * have them. And what it requires: a group every substance of the role has is what the role does
 * in the reaction (the aryl halide of an aryl-halide role), so a suggestion keeps it.
 */
export class RoleStructure {
  private readonly allowedCounts = new Map<string, number>();
  private readonly required: string[];
  private readonly smallRing: boolean;
  private readonly largeRing: boolean;
  private readonly charged: boolean;

  constructor(roleSmiles: readonly string[], allowReactive: readonly string[] = []) {
    const profiles = roleSmiles.map((s) => structureProfile(s));
    for (const p of profiles) for (const [name, n] of Object.entries(p.reactive)) this.allowedCounts.set(name, Math.max(this.allowedCounts.get(name) ?? 0, n));
    for (const name of allowReactive) this.allowedCounts.set(name, Infinity);
    this.required = profiles.length === 0 ? [] : Object.keys(profiles[0]!.reactive).filter((name) => profiles.every((p) => (p.reactive[name] ?? 0) > 0));
    this.smallRing = profiles.some((p) => p.smallRing);
    this.largeRing = profiles.some((p) => p.largeRing);
    this.charged = profiles.some((p) => p.charged);
  }

  /** Why `smiles` does not fit the role, or null when it does. */
  objection(smiles: string): string | null {
    const profile = structureProfile(smiles);
    const missing = this.required.find((name) => !profile.reactive[name]);
    if (missing) return `lacks the group every substance of the role has (${missing})`;
    for (const [name, n] of Object.entries(profile.reactive)) {
      const allowed = this.allowedCounts.get(name) ?? 0;
      if (n > allowed) return allowed === 0 ? `has a reactive group the role's substances lack (${name})` : `has ${n} × ${name}, the role's substances at most ${allowed}`;
    }
    if (profile.smallRing && !this.smallRing) return 'has a strained 3- or 4-membered ring';
    if (profile.largeRing && !this.largeRing) return 'has a ring of 9 or more atoms';
    if (profile.charged && !this.charged) return 'has a charged atom';
    return null;
  }
}
