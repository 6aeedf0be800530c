/** The forward model's top-1 prediction as the suggestions' check and the screen's products ask for it; reactants it refuses give no prediction. */
import { SmilesError } from '../chem/errors.js';
import { atomMapNumbers } from '../chem/reaction/reaction-graph.js';
import { ForwardPredictor, ReactantsTooLargeError, type ForwardPrediction } from '../models/forward/predictor.js';
import type { ForwardCheck } from './propose-substances.js';

/** A campaign's reaction holds all its substances (ligands, bases): twice the forward model's usual reaction size. */
const MAX_CHECKED_HEAVY_ATOMS = 200;

export function forwardCheckOf(predictor: ForwardPredictor): ForwardCheck {
  const top = (reactants: string): ForwardPrediction | undefined => {
    try {
      return predictor.predict(reactants, { topK: 1, maxHeavyAtoms: MAX_CHECKED_HEAVY_ATOMS })[0];
    } catch (error) {
      if (error instanceof SmilesError || error instanceof ReactantsTooLargeError) return undefined;
      throw error;
    }
  };
  return {
    productWith(molecule: string, others: string) {
      const prediction = top(others ? `${molecule}.${others}` : molecule);
      // the molecule is written first, so its atoms are the first ones; its product carries its
      // skeleton (at least half its atoms), not only an atom it gave away (a halide moved to a ligand)
      const own = atomMapNumbers(molecule).length;
      return prediction && 2 * prediction.reactantAtoms.filter((atom) => atom < own).length >= own ? prediction.product : null;
    },
    topPrediction(reactants: string) {
      const prediction = top(reactants);
      return prediction ? { template: prediction.template, product: prediction.product } : null;
    },
  };
}

/** The check with the forward model shipped with Athanor (models/forward-uspto15k.athm.gz). */
export function shippedForwardCheck(): ForwardCheck {
  return forwardCheckOf(ForwardPredictor.load());
}
