/**
 * The CPU-heavy work of HTTP requests — forward prediction, chain search, checking a campaign
 * file — as plain data in, plain data out, so that it can run on a worker thread (worker.ts).
 * Input the work refuses (bad SMILES, molecules over the size limits, an invalid campaign file)
 * comes back as a TaskFailure: the fields of the API's error shape, with its HTTP status.
 */
import { checkCampaignText, OperatorError, type CheckedCampaign, type NewCampaignRequest } from '../../agent/operator-actions.js';
import { canonicalSmiles, describeMolecule, initChem, SmilesError } from '../../chem/index.js';
import { searchChains, type ChainSearchResult } from '../../discovery/chains.js';
import { initTensorBackend } from '../../models/backend.js';
import { ForwardModelMissingError } from '../../models/forward/model-file.js';
import { ForwardPredictor, ReactantsTooLargeError, type ForwardPrediction } from '../../models/forward/predictor.js';
import { ElectronMoveError } from '../../mechanism/electron-moves.js';
import { shippedStepLibrary } from '../../mechanism/library-file.js';
import { shippedStepScorer } from '../../mechanism/scorer-file.js';
import { mechanismInput, withMechanismOpinion, type SecondOpinion } from '../../mechanism/second-opinion.js';
import { predictMechanisms, type MechanismPrediction } from '../../mechanism/predict.js';
import { viewOf, type MechanismView } from '../../mechanism/prediction-view.js';
import type { MolecularAutoencoder } from '../../generative/autoencoder.js';
import { AutoencoderMissingError, readAutoencoder } from '../../generative/autoencoder-file.js';
import { suggestForCampaign, type CampaignSuggestions, type SuggestionRequest } from '../../generative/campaign-suggestions.js';
import type { CampaignSpec } from '../../campaign/index.js';
import type { Measurement } from '../../measurements/measurements.js';
import { loadedModelOf, type StoredModelVersion } from '../stored-models.js';
import { prepareCampaignScreen, ScreenSetupError, type ScreenRequest, type ScreenSources } from '../../screening/campaign-screen.js';
import { LibraryFormatError, readLibrary, type LibraryFormat, type LibraryText, type ReadCounter } from '../../screening/library-reader.js';
import { screenInCampaign, type LibraryScreenResult } from '../../screening/library-screen.js';
import type { ScreenProgress, ScreenRanking } from '../../screening/screen.js';
import { forwardCheckOf } from '../../generative/forward-check.js';

/** Heavy atoms of all reactants and reagents of one prediction together (USPTO-15K's largest reaction has 98). */
export const MAX_PREDICTION_HEAVY_ATOMS = 100;
/** Heavy atoms of each inventory reagent of a chain search: products of three steps stay within prediction size. */
export const MAX_CHAIN_REAGENT_HEAVY_ATOMS = 50;
/** Inventory reagents of one chain search: the first step alone predicts every pair (30 → 435 predictions). */
export const MAX_CHAIN_INVENTORY = 30;

/** What a suggestion needs of a campaign, as plain data a worker thread can be sent. */
export interface SuggestionSources {
  spec: CampaignSpec;
  observations: readonly Measurement[];
  /** the campaign's newest model version, or null when none has been trained */
  model: StoredModelVersion | null;
}

export type HeavyTask =
  | { kind: 'predict'; reactants: string; top: number; secondOpinion?: boolean }
  | { kind: 'chains'; inventory: string[]; target?: string; steps: number; top: number }
  | { kind: 'campaign'; request: NewCampaignRequest }
  | { kind: 'mechanism'; reactants: string; top: number; /** how many of the top chains are drawn */ pictures: number }
  | { kind: 'suggest'; sources: SuggestionSources; request: SuggestionRequest }
  | { kind: 'screen'; sources: SuggestionSources; request: ScreenRequest; library: LibraryText & { format: LibraryFormat }; top: number; ranking: ScreenRanking; forward: boolean }
  /** A library in a file of the upload folder (a screening job), with progress as it goes. */
  | { kind: 'screen-file'; sources: SuggestionSources; request: ScreenRequest; library: { path: string; format: LibraryFormat }; top: number; ranking: ScreenRanking; forward: boolean };

/** A screening job's progress as the worker posts it: the screen's counts and how far through the file it is. */
export interface ScreenFileProgress extends ScreenProgress {
  bytesRead: number;
}

export interface HeavyResults {
  predict: (ForwardPrediction & Partial<SecondOpinion>)[];
  chains: ChainSearchResult;
  campaign: CheckedCampaign;
  mechanism: MechanismView;
  suggest: CampaignSuggestions;
  screen: LibraryScreenResult;
  'screen-file': LibraryScreenResult;
}

export type HeavyResult = HeavyResults[HeavyTask['kind']];

export interface TaskFailure {
  status: 400 | 404 | 409 | 422 | 503;
  code: string;
  message: string;
  field?: string;
  issues?: { path: string; message: string; line?: number }[];
}

/** A refusal the task itself decided on (the worker sends its fields back as a TaskFailure). */
export class TaskRefusal extends Error {
  constructor(readonly failure: TaskFailure) {
    super(failure.message);
  }
}

let predictor: Promise<ForwardPredictor> | undefined;

/** The shipped forward model, loaded once per worker on its first prediction. */
function forwardModel(): Promise<ForwardPredictor> {
  predictor ??= (async () => {
    await initChem();
    await initTensorBackend({ log: null });
    return ForwardPredictor.load();
  })();
  predictor.catch(() => (predictor = undefined)); // a later request may try again
  return predictor;
}

export async function runTask(task: HeavyTask, onProgress?: (progress: unknown) => void): Promise<HeavyResult> {
  switch (task.kind) {
    case 'predict': {
      const predictions = (await forwardModel()).predict(task.reactants, { topK: task.top, maxHeavyAtoms: MAX_PREDICTION_HEAVY_ATOMS });
      if (!task.secondOpinion) return predictions;
      return withMechanismOpinion(predictions, (await mechanismPrediction(task.reactants, 5)).prediction.chains);
    }
    case 'chains':
      return chains(task);
    case 'campaign':
      return checkCampaignText(task.request);
    case 'mechanism':
      return mechanism(task);
    case 'suggest':
      return suggest(task);
    case 'screen':
      return screen(task);
    case 'screen-file':
      return screen(task, onProgress);
  }
}

/** A campaign's sources as a screen or suggestion reads them: the stored model restored for the space it builds. */
function screenSourcesOf({ spec, observations, model }: SuggestionSources): ScreenSources {
  return { spec, observations, model: async (space) => (model ? loadedModelOf(model, spec, space, [spec.objective.target]) : undefined) };
}

/** What the campaign cannot do for the request, as the API's refusal (the `with` query names fixed parameters). */
function refusalOf(error: ScreenSetupError): TaskRefusal {
  return new TaskRefusal({ status: error.code === 'no_model' ? 409 : 400, code: error.code, message: error.message, field: error.field === 'fixed' ? 'with' : error.field });
}

/** A library sent with the request, or uploaded to a file, screened in a role of a campaign with its newest model. */
async function screen(task: Extract<HeavyTask, { kind: 'screen' | 'screen-file' }>, onProgress?: (progress: ScreenFileProgress) => void): Promise<LibraryScreenResult> {
  await initChem();
  await initTensorBackend({ log: null });
  try {
    const setup = await prepareCampaignScreen(screenSourcesOf(task.sources), task.request);
    const forward = task.forward ? forwardCheckOf(await forwardModel()) : undefined;
    const counter: ReadCounter = { bytes: 0 };
    const records = task.kind === 'screen' ? readLibrary(task.library, task.library.format) : readLibrary(task.library.path, task.library.format, counter);
    const progress = onProgress ? { onProgress: (p: ScreenProgress) => onProgress({ ...p, bytesRead: counter.bytes }) } : {};
    return await screenInCampaign(setup, records, { top: task.top, ranking: task.ranking, ...(forward ? { forward } : {}), ...progress });
  } catch (error) {
    if (error instanceof ScreenSetupError) throw refusalOf(error);
    if (error instanceof LibraryFormatError) throw new TaskRefusal({ status: 400, code: 'invalid_library', message: error.message, field: 'library' });
    throw error;
  }
}

let autoencoder: MolecularAutoencoder | undefined;

/** New substances for a campaign's role with the shipped autoencoder, checked by the forward model. */
async function suggest(task: Extract<HeavyTask, { kind: 'suggest' }>): Promise<CampaignSuggestions> {
  await initChem();
  await initTensorBackend({ log: null });
  try {
    autoencoder ??= readAutoencoder().model;
  } catch (error) {
    if (error instanceof AutoencoderMissingError) throw new TaskRefusal({ status: 503, code: 'no_autoencoder', message: error.message });
    throw error;
  }
  const predictor = await forwardModel().catch((error: unknown) => {
    if (error instanceof ForwardModelMissingError) return null; // suggestions without the reaction check, which says so
    throw error;
  });
  const forward = predictor ? forwardCheckOf(predictor) : undefined;
  try {
    return await suggestForCampaign(screenSourcesOf(task.sources), task.request, autoencoder, forward);
  } catch (error) {
    if (error instanceof ScreenSetupError) throw refusalOf(error);
    throw error;
  }
}

/** Mechanisms of reactants (reagents after '>' join them) with the shipped library and step model. */
async function mechanismPrediction(reactants: string, beam: number): Promise<{ prediction: MechanismPrediction; learned: boolean }> {
  await initChem();
  const species = mechanismInput(reactants);
  const heavyAtoms = describeWithField(species, 'reactants').heavyAtoms;
  if (heavyAtoms > MAX_PREDICTION_HEAVY_ATOMS) {
    throw new TaskRefusal({ status: 400, code: 'too_large', field: 'reactants', message: `the reactants have ${heavyAtoms} heavy atoms, more than the limit of ${MAX_PREDICTION_HEAVY_ATOMS}` });
  }
  try {
    await initTensorBackend({ log: null });
    const library = shippedStepLibrary();
    const scorer = shippedStepScorer(library);
    return { prediction: predictMechanisms(library, species, { beam: Math.max(5, beam), branching: 5, ...(scorer ? { scorer } : {}) }), learned: scorer !== null };
  } catch (error) {
    if (error instanceof ElectronMoveError) {
      throw new TaskRefusal({ status: 400, code: 'invalid_reactants', field: 'reactants', message: (error as Error).message });
    }
    throw error;
  }
}

async function mechanism(task: Extract<HeavyTask, { kind: 'mechanism' }>): Promise<MechanismView> {
  const { prediction, learned } = await mechanismPrediction(task.reactants, task.top);
  return viewOf(prediction, { top: task.top, pictures: task.pictures, scoring: learned ? 'learned' : 'precedent' });
}

async function chains(task: Extract<HeavyTask, { kind: 'chains' }>): Promise<ChainSearchResult> {
  await initChem();
  const named = [...task.inventory.map((smiles) => ['inventory', smiles] as const), ...(task.target ? [['target', task.target] as const] : [])];
  for (const [field, smiles] of named) {
    const heavyAtoms = describeWithField(smiles, field).heavyAtoms;
    if (field === 'inventory' && heavyAtoms > MAX_CHAIN_REAGENT_HEAVY_ATOMS) {
      throw new TaskRefusal({
        status: 400,
        code: 'too_large',
        field,
        message: `inventory reagent ${smiles} has ${heavyAtoms} heavy atoms, more than the limit of ${MAX_CHAIN_REAGENT_HEAVY_ATOMS}`,
      });
    }
  }
  const model = await forwardModel();
  return searchChains({
    inventory: task.inventory,
    goal: task.target ? { target: task.target } : { novelty: true },
    oracle: (reactants) => model.predict(reactants, { topK: 3 }),
    maxSteps: task.steps,
    limit: task.top,
  });
}

function describeWithField(smiles: string, field: string): ReturnType<typeof describeMolecule> {
  try {
    canonicalSmiles(smiles);
    return describeMolecule(smiles);
  } catch (error) {
    if (error instanceof SmilesError) throw new TaskRefusal({ status: 400, code: 'invalid_smiles', message: error.message, field });
    throw error;
  }
}

const OPERATOR_STATUS = { not_found: 404, conflict: 409, invalid: 422 } as const;

/** The refusal an error stands for, or undefined for a fault (reported as one). */
export function failureOf(error: unknown, task: HeavyTask): TaskFailure | undefined {
  if (error instanceof TaskRefusal) return error.failure;
  if (error instanceof ReactantsTooLargeError) {
    return { status: 400, code: 'too_large', field: 'reactants', message: `${error.message}: predictions are limited to ${error.limit} heavy atoms in all` };
  }
  if (error instanceof SmilesError) return { status: 400, code: 'invalid_smiles', message: error.message, field: task.kind === 'predict' || task.kind === 'mechanism' ? 'reactants' : 'inventory' };
  if (error instanceof ForwardModelMissingError) return { status: 503, code: 'no_forward_model', message: error.message };
  if (error instanceof OperatorError) {
    return { status: OPERATOR_STATUS[error.kind], code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}), ...(error.issues ? { issues: error.issues } : {}) };
  }
  return undefined;
}
