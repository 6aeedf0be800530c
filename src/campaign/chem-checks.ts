import { SmilesError, canonicalSmiles } from '../chem/index.js';
import type { IssueList } from './errors.js';
import type { CampaignSpec } from './types.js';

/** Role → canonical SMILES → choice name, for the choices whose SMILES parse. */
export type CanonicalIndex = Map<string, Map<string, string>>;

/** Parses every substance's SMILES (initChem must have been awaited). Reports unparsable SMILES,
 * and two choices of one role that are the same molecule, since a model could never tell them
 * apart. */
export function checkSubstances(spec: CampaignSpec, issues: IssueList): CanonicalIndex {
  const index: CanonicalIndex = new Map();
  for (const [role, choices] of Object.entries(spec.space.substances)) {
    const byCanonical = new Map<string, string>();
    index.set(role, byCanonical);
    for (const [choice, smiles] of Object.entries(choices)) {
      const at = ['space', 'substances', role, choice];
      let canonical: string;
      try {
        canonical = canonicalSmiles(smiles.trim());
      } catch (e) {
        if (!(e instanceof SmilesError)) throw e;
        issues.add(at, `invalid SMILES ${JSON.stringify(smiles)}${e.reason ? `: ${e.reason}` : ''}`);
        continue;
      }
      const twin = byCanonical.get(canonical);
      if (twin !== undefined) {
        issues.add(at, canonical === '' ? `"${twin}" already stands for no ${role}` : `same molecule as "${twin}" (${canonical})`);
        continue;
      }
      byCanonical.set(canonical, choice);
    }
  }
  return index;
}
