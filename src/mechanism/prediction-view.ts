/**
 * Predicted mechanisms as plain data for the API: each chain's steps with their arrows (in
 * MechFinder's notation and as text), the species each step leads to, its probability and,
 * when asked, the arrow-pushing picture of the step (SVG).
 */
import { arrowText, type Arrow } from './arrows.js';
import { stepSvg } from './arrow-pictures.js';
import type { Species } from './electron-moves.js';
import { mappedSpecies, type MechanismPrediction } from './predict.js';

export interface MechanismStepView {
  arrows: string[];
  species: string[];
  probability: number;
  svg?: string;
}

export interface MechanismView {
  reactants: string;
  /** 'learned' when the graph network scored the steps, 'precedent' when template counts did */
  scoring: 'learned' | 'precedent';
  outsideKnowledge: boolean;
  /** the best chain's own probability under the step model (null: ranked by precedent) */
  confidence: number | null;
  /** outside knowledge, or the best chain less likely than not: the chains are guesses */
  lowConfidence: boolean;
  mechanisms: { rank: number; probability: number; products: string[]; steps: MechanismStepView[] }[];
}

/** A prediction (searched with beam ≥ top) as the API's view; the first `pictures` chains are drawn step by step. */
export function viewOf(prediction: MechanismPrediction, options: { top: number; pictures: number; scoring: MechanismView['scoring'] }): MechanismView {
  const { reactants } = prediction;
  const start = options.pictures > 0 ? mappedSpecies(reactants) : undefined;
  return {
    reactants,
    scoring: options.scoring,
    outsideKnowledge: prediction.outsideKnowledge,
    confidence: prediction.confidence,
    lowConfidence: prediction.lowConfidence,
    mechanisms: prediction.chains.slice(0, options.top).map((chain, i) => {
      let before: Species | undefined = i < options.pictures ? start : undefined;
      return {
        rank: i + 1,
        probability: chain.probability,
        products: chain.products,
        steps: chain.steps.map((step, k) => {
          const view: MechanismStepView = { arrows: step.arrows.map((a: Arrow) => arrowText(a)), species: step.outcome, probability: step.probability };
          if (before) view.svg = stepSvg(before, step.arrows, { caption: `step ${k + 1}` });
          before = step.result;
          return view;
        }),
      };
    }),
  };
}
