/** The forward model's top-1 prediction as the suggestions' reaction check asks for it; reactants it refuses give no prediction. */
import { SmilesError } from '../chem/errors.js';
import { atomMapNumbers } from '../chem/reaction/reaction-graph.js';
import { ForwardPredictor, ReactantsTooLargeError } from '../models/forward/predictor.js';
import type { ForwardCheck } from './propose-substances.js';

/** A campaign's reaction holds all its substances (ligands, bases): twice the forward model's usual reaction size. */
const MAX_CHECKED_HEAVY_ATOMS = 200;

export function forwardCheckOf(predictor: ForwardPredictor): ForwardCheck {
  return {
    productWith(molecule: string, others: string) {
      try {
        const [top] = predictor.predict(others ? `${molecule}.${others}` : molecule, { topK: 1, maxHeavyAtoms: MAX_CHECKED_HEAVY_ATOMS });
        // the molecule is written first, so its atoms are the first ones; its product carries its
        // skeleton (at least half its atoms), not only an atom it gave away (a halide moved to a ligand)
        const own = atomMapNumbers(molecule).length;
        return top && 2 * top.reactantAtoms.filter((atom) => atom < own).length >= own ? top.product : null;
      } catch (error) {
        if (error instanceof SmilesError || error instanceof ReactantsTooLargeError) return null;
        throw error;
      }
    },
    topPrediction(reactants: string) {
      try {
        const [top] = predictor.predict(reactants, { topK: 1, maxHeavyAtoms: MAX_CHECKED_HEAVY_ATOMS });
        return top ? { template: top.template, product: top.product } : null;
      } catch (error) {
        if (error instanceof SmilesError || error instanceof ReactantsTooLargeError) return null;
        throw error;
      }
    },
  };
}

/** The check with the forward model shipped with Athanor (models/forward-uspto15k.athm.gz). */
export function shippedForwardCheck(): ForwardCheck {
  return forwardCheckOf(ForwardPredictor.load());
}
