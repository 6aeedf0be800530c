/**
 * What the planner believes, computed for the API and the panel alike: predictions for candidates,
 * predicted against observed, the uncertainty landscape over two parameters, and the atoms behind
 * a prediction. Everything model-based answers "no model yet" in one way (NoModelError).
 */
import type { CampaignSpec } from '../campaign/index.js';
import { listExperiments, listObservations, type CampaignRow, type ExperimentRow } from '../db/index.js';
import { Measurements } from '../measurements/measurements.js';
import { Objective } from '../objectives/objective.js';
import { choiceCount, valueAt, type Parameter, type ParameterValue } from '../planner/parameters.js';
import type { MixedPoint } from '../planner/mixed/domain.js';
import type { SearchSpace } from '../planner/space.js';
import type { AtomAttribution, LoadedModel } from './model-access.js';
import type { Services } from './services.js';
import { backgroundOf, shapleyValues } from './shapley.js';
import { candidateOf, UnknownCandidateError } from '../planner/candidate-lookup.js';

export { candidateOf, UnknownCandidateError };

export class NoModelError extends Error {
  override readonly name = 'NoModelError';
}

/** The model exists but its kind cannot point at atoms (a Gaussian process on fingerprints). */
export class NoAttributionError extends Error {
  override readonly name = 'NoAttributionError';
}

/** Why a campaign has no model to ask: its strategy needs none, or none has been trained yet. */
export function noModelReason(campaign: CampaignRow): string {
  const planner = (campaign.spec as unknown as CampaignSpec).planner as { strategy?: string; initial_design?: string };
  if (planner.strategy === 'discovery') {
    return 'no stored model: a discovery campaign refits its reactivity classifier from the results at every planning round; its proposals carry P(reacts) ± σ and the expected products';
  }
  if (planner.strategy && planner.strategy !== 'bayesian') {
    return `no model: this campaign's planner strategy (${planner.strategy}) works without one, so none is trained`;
  }
  return `no model has been trained for this campaign yet: its first experiments follow the ${planner.initial_design ?? 'initial'} design, and a model is trained once results arrive`;
}

export async function latestModel(services: Services, campaign: CampaignRow): Promise<{ model: LoadedModel; space: SearchSpace } | undefined> {
  if (!services.models.available) return undefined;
  const space = await services.space(campaign);
  const model = await services.models.latest(services.db, campaign, space);
  return model ? { model, space } : undefined;
}

async function requireModel(services: Services, campaign: CampaignRow) {
  const found = await latestModel(services, campaign);
  if (!found) {
    throw new NoModelError(services.models.available ? noModelReason(campaign) : 'this service was started without access to trained models');
  }
  return found;
}


export interface Prediction {
  parameters: Record<string, string | number>;
  mean: number;
  sigma: number;
  epistemic?: number;
  aleatoric?: number;
}

export async function predict(services: Services, campaign: CampaignRow, assignments: Record<string, string | number>[]): Promise<{ version: number; kind: string; predictions: Prediction[] }> {
  const { model, space } = await requireModel(services, campaign);
  const candidates = assignments.map((a, i) => candidateOf(space, a, i));
  const posterior = await model.predict(candidates);
  return {
    version: model.version,
    kind: model.kind,
    predictions: candidates.map((candidate, i) => ({
      parameters: space.valuesOf(candidate),
      mean: posterior.mean[i] as number,
      sigma: posterior.sigma[i] as number,
      ...(posterior.epistemic ? { epistemic: posterior.epistemic[i] as number } : {}),
      ...(posterior.aleatoric ? { aleatoric: posterior.aleatoric[i] as number } : {}),
    })),
  };
}

export interface PredictedPoint {
  /** The experiment of this result, when it is still among the campaign's results. */
  seq: number | undefined;
  observed: number;
  mean: number;
  sigma: number;
}

export interface HeldOutView {
  version: number;
  kind: string;
  /** Each result predicted by the model without that result (leave-one-out); empty when the kind keeps none. */
  points: PredictedPoint[];
  /** R² and RMSE of exactly these points. */
  r2: number | undefined;
  rmse: number | undefined;
  /** Why there are no points, when there are none. */
  missing?: string;
}

function r2Of(points: readonly PredictedPoint[]): number | undefined {
  if (points.length < 3) return undefined;
  const mean = points.reduce((s, p) => s + p.observed, 0) / points.length;
  const total = points.reduce((s, p) => s + (p.observed - mean) ** 2, 0);
  const residual = points.reduce((s, p) => s + (p.observed - p.mean) ** 2, 0);
  return total > 0 ? 1 - residual / total : undefined;
}

/**
 * Predicted against observed, honestly: each result as predicted by the latest model without that
 * result (held out), never the fit to data the model has seen, with the R² and RMSE of the same numbers.
 */
export async function predictedVsObserved(services: Services, campaign: CampaignRow): Promise<HeldOutView | undefined> {
  const found = await latestModel(services, campaign);
  if (!found) return undefined;
  const { model, space } = found;
  const target = (campaign.spec as unknown as CampaignSpec).objective.target;
  const observed = Measurements.from(await listObservations(services.db, campaign.id)).placed(space, target);
  const heldOut = model.heldOut ? await model.heldOut(observed.map((x) => x.candidate)) : undefined;
  if (!heldOut) {
    return { version: model.version, kind: model.kind, points: [], r2: undefined, rmse: undefined, missing: `a ${model.kind} model keeps no held-out predictions to plot` };
  }
  // the stored value where the training row is a current result (the model's copy went through its warping)
  const points = heldOut.map((p) => {
    const result = p.index === undefined ? undefined : observed[p.index];
    return { seq: result?.measurement.seq, observed: result?.value ?? p.observed, mean: p.mean, sigma: p.sigma };
  });
  const rmse = points.length > 0 ? Math.sqrt(points.reduce((s, p) => s + (p.observed - p.mean) ** 2, 0) / points.length) : undefined;
  return { version: model.version, kind: model.kind, points, r2: r2Of(points), rmse };
}

export interface Contribution {
  parameter: string;
  value: string | number;
  contribution: number;
}

export interface Neighbour {
  seq: number;
  similarity: number;
  observed: number;
  parameters: Record<string, string | number>;
}

export interface PredictionExplanation {
  version: number;
  kind: string;
  mean: number;
  sigma: number;
  /** The model's average prediction over candidates spread across the space. */
  base: number;
  /** Shapley contributions: base + Σ contributions = mean. */
  contributions: Contribution[];
  /** The observed results most alike to the model (kernel similarity), most alike first; empty when the kind has no kernel. */
  neighbours: Neighbour[];
}

/** Why the latest model predicts what it does for an experiment's candidate: value, σ, per-parameter contributions, nearest results. */
export async function explainPrediction(services: Services, campaign: CampaignRow, experiment: ExperimentRow, neighbourCount = 5): Promise<PredictionExplanation> {
  const { model, space } = await requireModel(services, campaign);
  const candidate = space.indexOfKey(experiment.candidateKey);
  if (candidate === undefined) throw new UnknownCandidateError('the experiment is not a candidate of the current space', 0);
  const posterior = await model.predict([candidate]);
  const values = space.valuesOf(candidate);
  let base = posterior.mean[0] as number;
  let contributions: Contribution[] = [];
  if (model.predictMixed) {
    const [shap] = await shapleyValues([candidate], backgroundOf(space.size), space.parameters.length, (rows) => model.predictMixed!(rows));
    base = shap!.base;
    contributions = space.parameters.map((p, j) => ({ parameter: p.name, value: values[p.name] ?? '', contribution: shap!.values[j]! }));
  }
  const target = (campaign.spec as unknown as CampaignSpec).objective.target;
  const observed = Measurements.from(await listObservations(services.db, campaign.id)).placed(space, target);
  const similarity = model.similarities ? await model.similarities(candidate, observed.map((x) => x.candidate)) : undefined;
  const neighbours = similarity
    ? observed
        .map((x, i) => ({ seq: x.measurement.seq, similarity: similarity[i], observed: x.value, parameters: space.valuesOf(x.candidate) }))
        .filter((n): n is Neighbour => n.similarity !== undefined && n.seq !== experiment.seq)
        .sort((a, b) => b.similarity - a.similarity || a.seq - b.seq)
        .slice(0, neighbourCount)
    : [];
  return { version: model.version, kind: model.kind, mean: posterior.mean[0] as number, sigma: posterior.sigma[0] as number, base, contributions, neighbours };
}

export interface ParameterImportance {
  version: number;
  /** Mean |Shapley contribution| of each parameter over the explained candidates, largest first. */
  parameters: { parameter: string; importance: number }[];
  /** How many observed candidates the average is over. */
  explained: number;
}

/** Results whose predictions the importance averages over: the newest ones, at most this many. */
const IMPORTANCE_SAMPLE = 12;
const importanceCache = new Map<string, Promise<ParameterImportance | undefined>>();

/** Which parameters move the latest model's predictions most (mean |Shapley value| over observed candidates). */
export async function parameterImportance(services: Services, campaign: CampaignRow): Promise<ParameterImportance | undefined> {
  const found = await latestModel(services, campaign);
  if (!found?.model.predictMixed) return undefined;
  const { model, space } = found;
  const key = `${campaign.id}:${model.version}`;
  let cached = importanceCache.get(key);
  if (!cached) {
    cached = (async () => {
      const target = (campaign.spec as unknown as CampaignSpec).objective.target;
      const observed = Measurements.from(await listObservations(services.db, campaign.id)).placed(space, target);
      const candidates = [...new Set(observed.map((x) => x.candidate))].slice(-IMPORTANCE_SAMPLE);
      if (candidates.length === 0) return undefined;
      const shap = await shapleyValues(candidates, backgroundOf(space.size, 8), space.parameters.length, (rows) => model.predictMixed!(rows));
      const parameters = space.parameters
        .map((p, j) => ({ parameter: p.name, importance: shap.reduce((s, r) => s + Math.abs(r.values[j]!), 0) / shap.length }))
        .sort((a, b) => b.importance - a.importance);
      return { version: model.version, parameters, explained: candidates.length };
    })();
    importanceCache.set(key, cached);
    cached.catch(() => importanceCache.delete(key));
    if (importanceCache.size > 64) importanceCache.delete(importanceCache.keys().next().value as string);
  }
  return cached;
}

export interface LandscapeCell {
  x: number;
  y: number;
  /** Candidates of the space in this cell. */
  candidates: number;
  /** Experiments run (or running) in this cell. */
  tried: number;
  /** Best observed value in this cell. */
  best: number | null;
  /** Model: mean predicted value and mean σ over the cell's candidates. */
  mean?: number;
  sigma?: number;
}

export interface Landscape {
  x: { name: string; labels: string[] };
  y: { name: string; labels: string[] };
  mode: 'model' | 'observed';
  model?: { version: number; kind: string };
  target: string;
  cells: LandscapeCell[];
  /**
   * A searched space (continuous conditions): continuous axes in equal bins (on the log scale where
   * the parameter has one), cells hold no countable candidates, and the model's prediction is at
   * each cell's centre with every other parameter as in `heldAt` (the best result so far).
   */
  searched?: { bins: number; heldAt?: Record<string, ParameterValue> };
}

/** Most candidates a model is asked about for one landscape; beyond it, an even sample of each cell. */
const LANDSCAPE_SAMPLE = 20_000;

const modelMaps = new Map<string, Promise<Map<string, { mean: number; sigma: number }>>>();

async function averageByCell(model: LoadedModel, cells: { cellKey: string; members: number[] }[], size: number): Promise<Map<string, { mean: number; sigma: number }>> {
  const stride = Math.max(1, Math.ceil(size / LANDSCAPE_SAMPLE));
  const sample = cells.flatMap((cell) => cell.members.filter((_, i) => i % stride === 0).map((candidate) => ({ cellKey: cell.cellKey, candidate })));
  const posterior = await model.predict(sample.map((s) => s.candidate));
  const sums = new Map<string, { mean: number; sigma: number; n: number }>();
  sample.forEach((s, i) => {
    const sum = sums.get(s.cellKey) ?? { mean: 0, sigma: 0, n: 0 };
    sum.mean += posterior.mean[i] as number;
    sum.sigma += posterior.sigma[i] as number;
    sum.n++;
    sums.set(s.cellKey, sum);
  });
  return new Map([...sums].map(([k, sum]) => [k, { mean: sum.mean / sum.n, sigma: sum.sigma / sum.n }]));
}

/**
 * The candidate space folded onto two parameters. With a model: mean σ (how unsure the model is)
 * and mean prediction per cell; without one: where experiments have been and what they found.
 */
export async function landscape(services: Services, campaign: CampaignRow, xName?: string, yName?: string): Promise<Landscape> {
  const spec = campaign.spec as unknown as CampaignSpec;
  const space = await services.space(campaign);
  const params = space.parameters;
  const xi = xName === undefined ? 0 : params.findIndex((p) => p.name === xName);
  const yi = yName === undefined ? (xi === 1 ? 0 : Math.min(1, params.length - 1)) : params.findIndex((p) => p.name === yName);
  if (xi < 0) throw new UnknownCandidateError(`no parameter is called ${xName}`, 0);
  if (yi < 0) throw new UnknownCandidateError(`no parameter is called ${yName}`, 0);
  if (space.domain) return searchedLandscape(services, campaign, space, xi, yi);
  const px = params[xi]!;
  const py = params[yi]!;
  const labels = (p: Parameter) => Array.from({ length: choiceCount(p) }, (_, code) => String(valueAt(p, code)));
  const xLabels = labels(px);
  const yLabels = xi === yi ? ['all'] : labels(py);
  const cellOf = (candidate: number) => ({ x: space.code(candidate, xi), y: xi === yi ? 0 : space.code(candidate, yi) });
  const cells = new Map<string, LandscapeCell & { members: number[] }>();
  const cellAt = (x: number, y: number) => {
    const key = `${x},${y}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { x, y, candidates: 0, tried: 0, best: null, members: [] }));
    return cell;
  };
  for (let candidate = 0; candidate < space.size; candidate++) {
    const { x, y } = cellOf(candidate);
    const cell = cellAt(x, y);
    cell.candidates++;
    cell.members.push(candidate);
  }
  const objective = Objective.of(spec);
  const experiments: ExperimentRow[] = await listExperiments(services.db, campaign.id);
  for (const e of experiments) {
    const candidate = space.indexOfKey(e.candidateKey);
    if (candidate === undefined || e.status === 'cancelled') continue;
    const { x, y } = cellOf(candidate);
    cellAt(x, y).tried++;
  }
  for (const { candidate, value } of Measurements.from(await listObservations(services.db, campaign.id)).placed(space, objective.target)) {
    const { x, y } = cellOf(candidate);
    const cell = cellAt(x, y);
    if (cell.best === null || objective.better(value, cell.best)) cell.best = value;
  }

  const found = await latestModel(services, campaign);
  if (found) {
    // A model version never changes, so its map of a given pair of parameters is computed once.
    const key = `${campaign.id}:${found.model.version}:${xi}:${yi}`;
    let averages = modelMaps.get(key);
    if (!averages) {
      averages = averageByCell(found.model, [...cells.entries()].map(([cellKey, cell]) => ({ cellKey, members: cell.members })), space.size);
      modelMaps.set(key, averages);
      averages.catch(() => modelMaps.delete(key));
      if (modelMaps.size > 64) modelMaps.delete(modelMaps.keys().next().value as string);
    }
    for (const [cellKey, average] of await averages) {
      const cell = cells.get(cellKey);
      if (cell) Object.assign(cell, average);
    }
  }
  return {
    x: { name: px.name, labels: xLabels },
    y: { name: xi === yi ? '' : py.name, labels: yLabels },
    mode: found ? 'model' : 'observed',
    ...(found ? { model: { version: found.model.version, kind: found.model.kind } } : {}),
    target: spec.objective.target,
    cells: [...cells.values()].map(({ members: _m, ...cell }) => cell).sort((a, b) => a.y - b.y || a.x - b.x),
  };
}

/** Cells along a continuous axis of a searched space. */
const CONTINUOUS_BINS = 12;

interface Axis {
  labels: string[];
  /** The cell a value falls in; -1 when it is none of the axis's choices. */
  binOf(value: ParameterValue): number;
  /** The value standing for a cell: a continuous bin's centre, or the choice. */
  centre(bin: number): ParameterValue;
}

function edge(value: number): string {
  return String(Number(value.toPrecision(3)));
}

function axisOf(p: Parameter): Axis {
  if (p.kind !== 'continuous') {
    const values = Array.from({ length: choiceCount(p) }, (_, code) => valueAt(p, code));
    return { labels: values.map(String), binOf: (value) => values.findIndex((v) => String(v) === String(value)), centre: (bin) => values[bin]! };
  }
  const to = p.log ? Math.log : (v: number) => v;
  const from = p.log ? Math.exp : (v: number) => v;
  const [lo, hi] = [to(p.min), to(p.max)];
  const at = (u: number) => from(lo + u * (hi - lo));
  const unit = p.unit ? ` ${p.unit}` : '';
  return {
    labels: Array.from({ length: CONTINUOUS_BINS }, (_, k) => `${edge(at(k / CONTINUOUS_BINS))}–${edge(at((k + 1) / CONTINUOUS_BINS))}${unit}`),
    binOf: (value) => Math.min(CONTINUOUS_BINS - 1, Math.max(0, Math.floor(((to(Number(value)) - lo) / (hi - lo)) * CONTINUOUS_BINS))),
    centre: (bin) => at((bin + 0.5) / CONTINUOUS_BINS),
  };
}

/**
 * The landscape of a searched space: there is no list of candidates to fold, so continuous axes
 * are cut into equal bins; experiments and results fall into the bins of their values, and the
 * model is asked at each cell's centre with every other parameter held where the best result is
 * (a slice through it: what the planner is most likely exploring around).
 */
async function searchedLandscape(services: Services, campaign: CampaignRow, space: SearchSpace, xi: number, yi: number): Promise<Landscape> {
  const spec = campaign.spec as unknown as CampaignSpec;
  const domain = space.domain!;
  const params = space.parameters;
  const [px, py] = [params[xi]!, params[yi]!];
  const ax = axisOf(px);
  const ay = xi === yi ? null : axisOf(py);
  const cells = new Map<string, LandscapeCell>();
  for (let y = 0; y < (ay?.labels.length ?? 1); y++) {
    for (let x = 0; x < ax.labels.length; x++) cells.set(`${x},${y}`, { x, y, candidates: 0, tried: 0, best: null });
  }
  const cellOf = (values: Record<string, ParameterValue>) => cells.get(`${ax.binOf(values[px.name]!)},${ay ? ay.binOf(values[py.name]!) : 0}`);
  for (const e of await listExperiments(services.db, campaign.id)) {
    const cell = e.status === 'cancelled' ? undefined : cellOf(e.parameters);
    if (cell) cell.tried++;
  }
  const objective = Objective.of(spec);
  let best: { candidate: number; value: number } | undefined;
  for (const placed of Measurements.from(await listObservations(services.db, campaign.id)).placed(space, objective.target)) {
    const values = domain.values(space.pointOf(placed.candidate));
    const cell = cellOf(Object.fromEntries(params.map((p, j) => [p.name, values[j]!])));
    if (cell && (cell.best === null || objective.better(placed.value, cell.best))) cell.best = placed.value;
    if (!best || objective.better(placed.value, best.value)) best = placed;
  }
  const found = best ? await latestModel(services, campaign) : undefined;
  let heldAt: Record<string, ParameterValue> | undefined;
  if (found?.model.predictPoints && best) {
    const base = domain.values(space.pointOf(best.candidate));
    heldAt = Object.fromEntries(params.map((p, j) => [p.name, base[j]!]).filter(([name]) => name !== px.name && name !== py.name));
    const asked: { cell: LandscapeCell; point: MixedPoint }[] = [];
    for (const cell of cells.values()) {
      const values = [...base];
      values[xi] = ax.centre(cell.x);
      if (ay) values[yi] = ay.centre(cell.y);
      const point = domain.pointOf(values);
      if (point) asked.push({ cell, point });
    }
    const posterior = await found.model.predictPoints(asked.map((a) => a.point));
    asked.forEach(({ cell }, i) => Object.assign(cell, { mean: posterior.mean[i]!, sigma: posterior.sigma[i]! }));
  }
  return {
    x: { name: px.name, labels: ax.labels },
    y: { name: ay ? py.name : '', labels: ay ? ay.labels : ['all'] },
    mode: heldAt ? 'model' : 'observed',
    ...(heldAt && found ? { model: { version: found.model.version, kind: found.model.kind } } : {}),
    target: spec.objective.target,
    cells: [...cells.values()].sort((a, b) => a.y - b.y || a.x - b.x),
    searched: { bins: CONTINUOUS_BINS, ...(heldAt ? { heldAt } : {}) },
  };
}

/** Which atoms drive the latest model's prediction for an experiment's candidate. */
export async function attributionsFor(services: Services, campaign: CampaignRow, experiment: ExperimentRow): Promise<{ version: number; attributions: AtomAttribution[] }> {
  const { model, space } = await requireModel(services, campaign);
  const candidate = space.indexOfKey(experiment.candidateKey);
  if (candidate === undefined) throw new UnknownCandidateError('the experiment is not a candidate of the current space', 0);
  const attributions = await model.attributions(candidate);
  if (!attributions) {
    throw new NoAttributionError(`model version ${model.version} is a ${model.kind} model, which cannot attribute its predictions to atoms (graph models can)`);
  }
  return { version: model.version, attributions };
}
