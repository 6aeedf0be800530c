import { SmilesError, canonicalOrNull, canonicalSmiles } from '../chem/index.js';
import type { IssueList } from './errors.js';
import type { CampaignSpec } from './types.js';

/** Role → canonical SMILES → choice name, for the choices whose SMILES parse. */
export type CanonicalIndex = Map<string, Map<string, string>>;

/** Parses every substance's SMILES (initChem must have been awaited). Reports unparsable SMILES,
 * and two "none" choices in one role. Two named choices of one molecule are allowed (see
 * substanceWarnings). */
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
        if (canonical === '') issues.add(at, `"${twin}" already stands for no ${role}`);
        continue;
      }
      byCanonical.set(canonical, choice);
    }
  }
  return index;
}

export interface SubstanceWarning {
  /** Dotted path of the choice, as in validation issues (space.substances.ROLE.CHOICE). */
  path: string;
  message: string;
}

/**
 * Two choices of one role that are the same molecule under different names: real datasets do this
 * on purpose (a solvent at two volume ratios, a base from two suppliers), so the campaign accepts
 * them — the model tells them apart by name — but says so, since a slip (one SMILES pasted twice)
 * looks the same. Their shared SMILES names neither in a table or a forbidden rule: only the
 * names do. initChem must have been awaited; unparsable SMILES are checkSubstances' business.
 */
export function substanceWarnings(spec: CampaignSpec): SubstanceWarning[] {
  const warnings: SubstanceWarning[] = [];
  for (const [role, choices] of Object.entries(spec.space.substances)) {
    const byCanonical = new Map<string, string>();
    for (const [choice, smiles] of Object.entries(choices)) {
      const canonical = canonicalOrNull(smiles.trim());
      if (canonical === null || canonical === '') continue;
      const twin = byCanonical.get(canonical);
      if (twin === undefined) {
        byCanonical.set(canonical, choice);
        continue;
      }
      warnings.push({
        path: `space.substances.${role}.${choice}`,
        message: `same molecule as "${twin}" (${canonical}): kept as a separate choice, told apart by its name; tables and forbidden rules must name these two by name, since their SMILES matches both`,
      });
    }
  }
  return warnings;
}
