/** The forward model's top-1 prediction as the suggestions' reaction check asks for it; reactants it refuses give no prediction. */
import { SmilesError } from '../chem/errors.js';
import { ReactantsTooLargeError, type ForwardPredictor } from '../models/forward/predictor.js';
import type { ForwardCheck } from './propose-substances.js';

/** A campaign's reaction holds all its substances (ligands, bases): twice the forward model's usual reaction size. */
const MAX_CHECKED_HEAVY_ATOMS = 200;

export function forwardCheckOf(predictor: ForwardPredictor): ForwardCheck {
  return {
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
