/**
 * New substances for a role, near the best performers of a campaign: the role's best substances
 * (as the campaign's model predicts them in the reaction being screened) are encoded, the latent
 * space around them is searched for a few rounds (decode points around the centres, score what
 * decodes with the surrogate, re-centre on the most promising), and what comes out is checked:
 * a molecule RDKit reads (grammar-constrained decoding makes that every one), the screen's size and
 * element filter, no reactive group or strained ring the role's substances lack, and the forward
 * model still predicting the same kind of reaction (top-1 reaction centre equal to the one it
 * predicts with the campaign's own substance). The survivors are ranked by mean + 2σ, kept diverse
 * (no two above a Tanimoto similarity of 0.8), and returned as suggestions: nothing is dispatched.
 */
import { canonicalOrNull } from '../chem/index.js';
import { morganFingerprint, tanimoto } from '../chem/fingerprint.js';
import type { ReactionInput } from '../models/types.js';
import { normal, rngFor } from '../util/random.js';
import { judgeMolecule, type MoleculeFilter } from '../screening/molecule-filter.js';
import { reactantsOf, UCB_BETA, withSubstance, type Posterior } from '../screening/screen.js';
import type { MolecularAutoencoder } from './autoencoder.js';
import { RoleStructure } from './structure-checks.js';

export interface ForwardCheck {
  /** top-1 reaction centre (template SMARTS) and product of reactants, or null when no template applies */
  topPrediction(reactants: string): { template: string; product: string } | null;
  /** the top-1 product of `molecule` with `others` ('.'-joined) when it carries the molecule's skeleton (at least half its atoms); else null */
  productWith(molecule: string, others: string): string | null;
}

export interface ProposalSettings {
  role: string;
  context: ReactionInput;
  direction: 'maximize' | 'minimize';
  filter: MoleculeFilter;
  predict(inputs: ReactionInput[]): Promise<Posterior>;
  /** the role's substances: the starting points and the reference for reactive groups */
  substances: readonly { name: string; smiles: string }[];
  autoencoder: MolecularAutoencoder;
  forward?: ForwardCheck;
  /** how many suggestions to return */
  count: number;
  /** rounds of re-centring (default 3) */
  rounds?: number;
  /** points decoded around each centre per round (default 48) */
  samplesPerCentre?: number;
  /** centres per round: the best starting substances, then the best finds (default 3) */
  centres?: number;
  /** suggestions less similar (Tanimoto, Morgan) than this to every substance of the role are set aside (default 0.3) */
  minSimilarity?: number;
  /** reactive groups (structure-checks.ts names) allowed even where the role lacks them */
  allowReactive?: readonly string[];
  seed?: number;
  onProgress?(message: string): void;
}

export interface SubstanceProposal {
  rank: number;
  smiles: string;
  mean: number;
  sigma: number;
  /** the role's most similar substance and the Tanimoto similarity to it */
  nearest: { name: string; similarity: number };
  /** what the forward model predicts with it, when it was asked */
  product?: string;
}

export interface ProposalReport {
  proposals: SubstanceProposal[];
  /** latent points decoded */
  decoded: number;
  /** decoded molecules RDKit read (the grammar makes this all of them) */
  valid: number;
  /** distinct new molecules among them (not a substance of the role) */
  novel: number;
  /** molecules set aside, by reason */
  setAside: Record<string, number>;
  /** the role's substances the search started from */
  startedFrom: string[];
  /** what the forward model's check compared against, or why it could not judge */
  forwardCheck: string;
  seconds: number;
}

/** Latent steps tried around a centre, in units of the prior's standard deviation. */
const RADII = [0.35, 0.7, 1.2];
const DIVERSITY_LIMIT = 0.8;
const DEFAULT_MIN_SIMILARITY = 0.3;

interface Found {
  smiles: string;
  mean: number;
  sigma: number;
  score: number;
}

export async function proposeSubstances(settings: ProposalSettings): Promise<ProposalReport> {
  const started = Date.now();
  const rng = rngFor(settings.seed ?? 1, 'substance-proposals', settings.role);
  const sign = settings.direction === 'maximize' ? 1 : -1;
  const score = (mean: number, sigma: number) => sign * mean + UCB_BETA * sigma;
  const model = settings.autoencoder;
  const say = (m: string) => settings.onProgress?.(m);
  const structure = new RoleStructure(settings.substances.map((s) => s.smiles), settings.allowReactive);
  const known = new Set(settings.substances.map((s) => canonicalOrNull(s.smiles)).filter((s): s is string => s !== null));
  const setAside: Record<string, number> = {};
  const aside = (reason: string) => (setAside[reason] = (setAside[reason] ?? 0) + 1);

  // starting points: the role's substances the model likes best here
  const encodable = settings.substances.flatMap((s) => {
    const tokens = model.tokensOf(s.smiles);
    return 'ids' in tokens ? [s] : [];
  });
  if (encodable.length === 0) throw new Error(`none of the role's substances can be encoded by the autoencoder (too large, or atoms it never saw)`);
  const start = await settings.predict(encodable.map((s) => withSubstance(settings.context, settings.role, s.smiles)));
  const ranked = encodable.map((s, i) => ({ s, score: score(start.mean[i]!, start.sigma[i]!) })).sort((a, b) => b.score - a.score);
  const centreCount = settings.centres ?? 3;
  const startedFrom = ranked.slice(0, centreCount).map((r) => r.s);
  let centres = model.encode(startedFrom.map((s) => s.smiles)).filter((z): z is Float32Array => z !== null);

  const found = new Map<string, Found>();
  let decoded = 0;
  let valid = 0;
  const rounds = settings.rounds ?? 3;
  const perCentre = settings.samplesPerCentre ?? 48;
  for (let round = 1; round <= rounds; round++) {
    const points: Float32Array[] = [];
    for (const centre of centres) {
      for (let k = 0; k < perCentre; k++) {
        const radius = RADII[k % RADII.length]!;
        points.push(Float32Array.from(centre, (c) => c + radius * normal(rng)));
      }
    }
    const molecules = model.decode(points);
    decoded += molecules.length;
    const fresh: string[] = [];
    for (const raw of molecules) {
      const canonical = canonicalOrNull(raw);
      if (!canonical) {
        aside('not a valid molecule');
        continue;
      }
      valid++;
      if (known.has(canonical) || found.has(canonical) || fresh.includes(canonical)) continue;
      const verdict = judgeMolecule({ smiles: canonical }, settings.filter);
      if (!verdict.ok) {
        aside(verdict.reason.replace(/[:(].*$/, '').trim());
        continue;
      }
      const objection = structure.objection(canonical);
      if (objection) {
        aside(objection.replace(/\(.*$/, '').trim());
        known.add(canonical);
        continue;
      }
      fresh.push(canonical);
    }
    if (fresh.length > 0) {
      const posterior = await settings.predict(fresh.map((smiles) => withSubstance(settings.context, settings.role, smiles)));
      fresh.forEach((smiles, i) => found.set(smiles, { smiles, mean: posterior.mean[i]!, sigma: posterior.sigma[i]!, score: score(posterior.mean[i]!, posterior.sigma[i]!) }));
    }
    say(`round ${round}/${rounds}: ${molecules.length} decoded, ${fresh.length} new molecules that fit the role (${found.size} so far)`);
    // next round: around the best finds so far, beside the best starting point
    const best = [...found.values()].sort((a, b) => b.score - a.score).slice(0, Math.max(1, centreCount - 1));
    const next = model.encode(best.map((f) => f.smiles)).filter((z): z is Float32Array => z !== null);
    centres = [centres[0]!, ...next];
  }

  // rank, keep near the role and diverse, and ask the forward model
  const check = forwardReference(settings, startedFrom);
  const roleFingerprints = settings.substances.map((s) => ({ name: s.name, fp: morganFingerprint(s.smiles) }));
  const minSimilarity = settings.minSimilarity ?? DEFAULT_MIN_SIMILARITY;
  const chosen: SubstanceProposal[] = [];
  const chosenFingerprints: Uint8Array[] = [];
  for (const candidate of [...found.values()].sort((a, b) => b.score - a.score)) {
    if (chosen.length >= settings.count) break;
    const fp = morganFingerprint(candidate.smiles);
    const nearest = roleFingerprints.map((r) => ({ name: r.name, similarity: tanimoto(r.fp, fp) })).sort((a, b) => b.similarity - a.similarity)[0]!;
    if (nearest.similarity < minSimilarity) {
      aside(`unlike every substance of the role (similarity under ${minSimilarity})`);
      continue;
    }
    if (chosenFingerprints.some((c) => tanimoto(c, fp) >= DIVERSITY_LIMIT)) {
      aside('too similar to a better suggestion');
      continue;
    }
    let product: string | undefined;
    if (check.reference) {
      const prediction = settings.forward!.topPrediction(reactantsOf(withSubstance(settings.context, settings.role, candidate.smiles)));
      // the same kind of reaction, and one the new substance takes part in (its product changes)
      if (!prediction || prediction.template !== check.reference.template || prediction.product === check.reference.product) {
        aside('the forward model predicts another reaction with it');
        continue;
      }
      product = prediction.product;
    }
    chosen.push({ rank: chosen.length + 1, smiles: candidate.smiles, mean: candidate.mean, sigma: candidate.sigma, nearest, ...(product ? { product } : {}) });
    chosenFingerprints.push(fp);
  }
  return { proposals: chosen, decoded, valid, novel: found.size, setAside, startedFrom: startedFrom.map((s) => s.name), forwardCheck: check.note, seconds: (Date.now() - started) / 1000 };
}

/**
 * The forward model's top reaction for the campaign's own reaction, when it is one the role takes
 * part in: swapping the role's substance for another of its substances changes the predicted
 * product. Otherwise (no template applies; or the predicted reaction is between other substances,
 * e.g. a campaign listing reagents but not the fixed coupling partner) the check cannot judge a
 * new substance, and says so.
 */
function forwardReference(settings: ProposalSettings, startedFrom: readonly { name: string; smiles: string }[]): { reference: { template: string; product: string } | null; note: string } {
  if (!settings.forward) return { reference: null, note: 'not asked' };
  const reference = settings.forward.topPrediction(reactantsOf(settings.context));
  if (!reference) return { reference: null, note: `not applicable: no reaction template applies to the campaign's reaction` };
  const own = settings.context.substances[settings.role];
  const other = [...startedFrom, ...settings.substances].find((s) => canonicalOrNull(s.smiles) !== canonicalOrNull(own ?? ''));
  const swapped = other ? settings.forward.topPrediction(reactantsOf(withSubstance(settings.context, settings.role, other.smiles))) : null;
  if (swapped && swapped.product === reference.product) {
    return { reference: null, note: `not applicable: the forward model's top reaction (${reference.product}) does not involve ${settings.role}` };
  }
  return { reference, note: `the same reaction centre as with the campaign's substance (${reference.template})` };
}

