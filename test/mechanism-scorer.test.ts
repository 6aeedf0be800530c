/**
 * The learned elementary-step model: a tiny training run on labelled mechanisms lowers its loss and
 * gives probabilities over each state's moves and stop; the shipped model (trained on the train
 * split of mech-USPTO-15K with the shipped library) ranks textbook mechanisms right at top-1 and is
 * refused beside another library.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { initChem } from '../src/chem/index.js';
import { composition } from '../src/mechanism/electron-moves.js';
import { shippedStepLibrary, trainStepLibrary } from '../src/mechanism/library-file.js';
import { mappedSpecies, predictMechanisms } from '../src/mechanism/predict.js';
import { readStepScorer, shippedStepScorer, SHIPPED_STEP_SCORER, StepScorerMismatchError } from '../src/mechanism/scorer-file.js';
import { mechanismInput, neutralForm, rerankedByMechanisms, withMechanismOpinion } from '../src/mechanism/second-opinion.js';
import { LearnedStepScorer } from '../src/mechanism/step-scorer.js';
import type { Chain } from '../src/mechanism/chains.js';
import { DEFAULT_SCORER_OPTIONS, readMechanismRecords, trainStepScorer } from '../src/mechanism/train-step-scorer.js';
import { initTensorBackend } from '../src/models/backend.js';
import { ROOT } from './helpers.js';

const FIXTURE = join(ROOT, 'test', 'fixtures', 'mechanisms', 'valid-sample.jsonl');

beforeAll(async () => {
  await initChem();
  await initTensorBackend({ log: null });
});

describe('training the step model', () => {
  it('a tiny training run lowers the loss, and the model gives probabilities over moves and stop', async () => {
    const { library } = await trainStepLibrary(FIXTURE);
    // half the labelled mechanisms: building each state's candidates is most of the work
    const records = (await readMechanismRecords(FIXTURE)).slice(0, 60);
    expect(records).toHaveLength(60);
    const losses: number[] = [];
    const trained = await trainStepScorer(library, records, { ...DEFAULT_SCORER_OPTIONS, hidden: 32, schedule: { ...DEFAULT_SCORER_OPTIONS.schedule, epochs: 4, patience: 4 } }, { onEpoch: (p) => losses.push(p.loss) });
    expect(losses.length).toBeGreaterThanOrEqual(2);
    expect(losses[losses.length - 1]!).toBeLessThan(0.8 * losses[0]!);
    // one example per labelled step the candidates reach, and one per mechanism's end
    expect(trained.report.stopExamples).toBeGreaterThan(50);
    expect(trained.report.trainStates + trained.report.heldOutStates).toBe(trained.report.examples);
    const scorer = new LearnedStepScorer(library, trained.params, trained.config, trained.slots, trained.pool);
    const species = mappedSpecies('CC(=O)Cl.NCc1ccccc1');
    const candidates = library.candidates(species).slice(0, scorer.pool);
    expect(candidates.length).toBeGreaterThan(1);
    const [start, later] = scorer.score([
      { species, context: { previous: '', first: '', depth: 0 }, candidates },
      { species, context: { previous: candidates[0]!.specificKey, first: candidates[0]!.specificKey, depth: 1 }, candidates },
    ]);
    // before any step, stopping is not a choice; after one it is, and the choices sum to one
    expect(start!.stop).toBe(0);
    expect(start!.candidates.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
    expect(later!.stop).toBeGreaterThan(0);
    expect(later!.stop + later!.candidates.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 5);
  }, 180_000);
});

describe('the shipped step model', () => {
  const best = (reactants: string) => {
    const library = shippedStepLibrary();
    const prediction = predictMechanisms(library, reactants, { scorer: shippedStepScorer(library)! });
    return { ...prediction, best: prediction.chains[0]! };
  };

  it('is shipped beside the shipped library, trained with it', () => {
    expect(shippedStepScorer(shippedStepLibrary())).toBeInstanceOf(LearnedStepScorer);
  });

  it('amide from an acid chloride: attack, tetrahedral alkoxide, chloride leaves', () => {
    const { best: chain, outsideKnowledge } = best('CC(=O)Cl.NCc1ccccc1');
    expect(outsideKnowledge).toBe(false);
    expect(chain.steps.length).toBeGreaterThanOrEqual(2);
    expect(chain.steps[0]!.outcome.join('.')).toContain('[O-]');
    expect(chain.products.join('.')).toMatch(/CC\(=O\)\[?NH/);
    expect(chain.products).toContain('[Cl-]');
  });

  it('SN2: a phenoxide displaces bromide in one step', () => {
    const { best: chain } = best('CCBr.[O-]c1ccccc1');
    expect(chain.steps).toHaveLength(1);
    expect(chain.products).toEqual(['CCOc1ccccc1', '[Br-]'].sort());
  });

  it('Boc protection: the amine attacks Boc2O and the carbonate leaves, not tert-butoxide', () => {
    const { best: chain } = best('CC(C)(C)OC(=O)OC(=O)OC(C)(C)C.NCc1ccccc1');
    expect(chain.steps).toHaveLength(2);
    expect(chain.products).toEqual(['CC(C)(C)OC(=O)[NH2+]Cc1ccccc1', 'CC(C)(C)OC(=O)[O-]'].sort());
  });

  it('esterification from an acid chloride: the alcohol attacks, chloride leaves', () => {
    const { best: chain } = best('CC(=O)Cl.OCc1ccccc1');
    expect(chain.steps[0]!.outcome.join('.')).toContain('[O-]');
    // the labels stop at the protonated ester as they stop at the protonated amide
    expect(chain.products).toEqual(['CC(=O)[OH+]Cc1ccccc1', '[Cl-]'].sort());
  });

  it('flags a reaction it has not learned (Fischer esterification: no such mechanism in training) as low confidence, not a confident amide', () => {
    const amide = best('CC(=O)Cl.NCc1ccccc1');
    expect(amide.lowConfidence).toBe(false);
    expect(amide.confidence!).toBeGreaterThan(0.5);
    const fischer = best('CC(=O)O.OCC.[H+]');
    // steps with precedent apply (protonations), so this is not "outside knowledge"…
    expect(fischer.outsideKnowledge).toBe(false);
    // …but the step model finds even its best chain unlikely, and says so
    expect(fischer.confidence!).toBeLessThan(0.5);
    expect(fischer.lowConfidence).toBe(true);
    // ranked by precedent there are no probabilities to judge by
    expect(predictMechanisms(shippedStepLibrary(), 'CC(=O)Cl.NCc1ccccc1').confidence).toBeNull();
  });

  it('every step of its chains conserves atoms and charge', () => {
    const library = shippedStepLibrary();
    const species = mappedSpecies('CC(=O)Cl.NCc1ccccc1');
    const before = composition(species);
    for (const chain of predictMechanisms(library, 'CC(=O)Cl.NCc1ccccc1', { scorer: shippedStepScorer(library)! }).chains) {
      for (const step of chain.steps) {
        const after = composition(step.result);
        expect(after.charge).toBe(before.charge);
        expect(Object.fromEntries(after.elements)).toEqual(Object.fromEntries(before.elements));
      }
    }
  });

  it('is refused beside a library it was not trained with', async () => {
    const { library } = await trainStepLibrary(FIXTURE);
    expect(() => readStepScorer(SHIPPED_STEP_SCORER, library)).toThrow(StepScorerMismatchError);
    expect(() => readStepScorer(SHIPPED_STEP_SCORER, library)).toThrow(/another step-template library/);
  });
});

describe('the mechanisms as a second opinion on forward predictions', () => {
  const prediction = (product: string, probability: number, rank: number) => ({ rank, product, probability, template: '', drawing: product, changedAtoms: [], reactantAtoms: [] });
  const chain = (products: string[], probability: number): Chain => ({ steps: [], probability, products });

  it('compares products as the work-up leaves them: onium ions give up a proton, alkoxides take one, nitro groups stay', () => {
    expect(neutralForm('CC(=O)[NH2+]Cc1ccccc1')).toBe('CC(=O)NCc1ccccc1');
    expect(neutralForm('CC(=O)[OH+]Cc1ccccc1')).toBe('CC(=O)OCc1ccccc1');
    expect(neutralForm('CC[O-]')).toBe('CCO');
    expect(neutralForm('O=[N+]([O-])c1ccccc1')).toBe('O=[N+]([O-])c1ccccc1');
    expect(neutralForm('C[N+](C)(C)C')).toBe('C[N+](C)(C)C');
    expect(mechanismInput('CC(=O)Cl.NC>CCN(CC)CC>')).toBe('CC(=O)Cl.NC.CCN(CC)CC');
  });

  it('gives each forward product the share of mechanisms reaching it, and can re-rank by the mean of the two', () => {
    const forward = [prediction('CC(=O)OC', 0.6, 1), prediction('CC(=O)NCc1ccccc1', 0.4, 2), prediction('CCl', 0.0, 3)];
    const annotated = withMechanismOpinion(forward, [chain(['CC(=O)[NH2+]Cc1ccccc1', '[Cl-]'], 0.03), chain(['CC(=O)OC'], 0.01)]);
    // the forward model's order is kept: the opinion stands beside it
    expect(annotated.map((p) => p.product)).toEqual(forward.map((p) => p.product));
    expect(annotated.map((p) => p.mechanismSupport)).toEqual([0.25, 0.75, 0].map((x) => expect.closeTo(x, 12)));
    const reranked = rerankedByMechanisms(annotated);
    expect(reranked.map((p) => p.product)).toEqual(['CC(=O)NCc1ccccc1', 'CC(=O)OC', 'CCl']);
    expect(reranked.map((p) => p.rank)).toEqual([1, 2, 3]);
    // no mechanism: no support
    expect(withMechanismOpinion(forward, []).every((p) => p.mechanismSupport === 0)).toBe(true);
  });
});
