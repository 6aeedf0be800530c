/**
 * The surrogate for large data sets: the graph-network ensemble for every candidate made of
 * substances the training data contains, the Gaussian process for a candidate with a substance it
 * has never seen. The benchmark (bench/models.ts, docs/models.md) shows why one model is not
 * enough there: with thousands of results the ensemble is the better model on the chemistry it
 * was trained on (Buchwald–Hartwig random 70/30: R² 0.957 against 0.936) and the worse one on
 * substances it was not (Ahneman's out-of-sample additive sets: the GP's similarity kernel
 * extrapolates more cautiously, best on radius-1 fingerprints: NOVEL_SUBSTANCE_GP_CONFIG). A lab
 * that adds a new additive plate after a thousand results gets the ensemble's accuracy on what it
 * knows and the GP's judgement on what it does not.
 *
 * Fitting costs both fits (the GP's is about a tenth of the ensemble's); scoring costs the
 * ensemble's plus the GP's on the novel candidates only.
 */
import { DeepEnsembleSurrogate } from './ensemble.js';
import { GaussianProcessSurrogate, NOVEL_SUBSTANCE_GP_CONFIG } from './gp.js';
import { checkTrainingData, schemaKey } from './schema.js';
import { decodeContainer, encodeContainer } from './serialization.js';
import { ModelError, type FitOptions, type FitReport, type ModelSchema, type Posterior, type ReactionInput, type SavedModel, type Surrogate, type TrainingData } from './types.js';

type PartMeta = Omit<SavedModel, 'weights'>;

interface RoutedHeader {
  kind: string;
  schemaKey: string;
  /** role → the substances the training data contains */
  seen: Record<string, string[]>;
  graph: PartMeta;
  gp: PartMeta;
}

export class RoutedSurrogate implements Surrogate {
  static readonly KIND = 'mpnn-ensemble+gp';
  readonly kind = RoutedSurrogate.KIND;
  private seen = new Map<string, Set<string>>();

  constructor(
    readonly schema: ModelSchema,
    readonly graph: DeepEnsembleSurrogate = new DeepEnsembleSurrogate(schema),
    readonly gp: GaussianProcessSurrogate = new GaussianProcessSurrogate(schema, NOVEL_SUBSTANCE_GP_CONFIG),
  ) {}

  /** Routes between two models already fitted on `trainingInputs` (what fit() would produce). */
  static fromFitted(schema: ModelSchema, graph: DeepEnsembleSurrogate, gp: GaussianProcessSurrogate, trainingInputs: ReactionInput[]): RoutedSurrogate {
    const model = new RoutedSurrogate(schema, graph, gp);
    model.seen = seenSubstances(schema, trainingInputs);
    return model;
  }

  async fit(data: TrainingData, options: FitOptions): Promise<FitReport> {
    const started = performance.now();
    checkTrainingData(this.schema, data);
    const warm = options.warmStart instanceof RoutedSurrogate ? options.warmStart : undefined;
    // the GP's fit is the short one: a tenth of the progress bar
    const share = (offset: number, width: number): FitOptions['onProgress'] => (p) => options.onProgress?.({ ...p, fraction: offset + width * p.fraction });
    const gpReport = await this.gp.fit(data, { ...options, warmStart: warm?.gp, onProgress: share(0, 0.1) });
    const graphReport = await this.graph.fit(data, { ...options, warmStart: warm?.graph, onProgress: share(0.1, 0.9) });
    this.seen = seenSubstances(this.schema, data.inputs);
    return {
      kind: this.kind,
      trainingSize: data.inputs.length,
      seconds: (performance.now() - started) / 1000,
      metrics: combinedMetrics(graphReport.metrics, gpReport.metrics),
    };
  }

  /** Whether an input holds a substance (in some role) that the training data does not. */
  isNovel(input: ReactionInput): boolean {
    return this.schema.roles.some((role) => !this.seen.get(role)?.has(input.substances[role] ?? ''));
  }

  async predict(inputs: ReactionInput[]): Promise<Record<string, Posterior>> {
    if (this.seen.size === 0 && this.schema.roles.length > 0) throw new ModelError('the model has not been fitted');
    const out = await this.graph.predict(inputs);
    const novel = inputs.flatMap((input, i) => (this.isNovel(input) ? [i] : []));
    if (novel.length === 0) return out;
    const fromGp = await this.gp.predict(novel.map((i) => inputs[i]!));
    for (const target of this.schema.targets) {
      const into = out[target]!;
      const from = fromGp[target]!;
      novel.forEach((i, k) => {
        into.mean[i] = from.mean[k]!;
        into.sigma[i] = from.sigma[k]!;
        into.epistemic[i] = from.epistemic[k]!;
        into.aleatoric[i] = from.aleatoric[k]!;
      });
    }
    return out;
  }

  async save(): Promise<SavedModel> {
    const [graph, gp] = [await this.graph.save(), await this.gp.save()];
    const meta = ({ weights: _weights, ...rest }: SavedModel): PartMeta => rest;
    const header: RoutedHeader = {
      kind: this.kind,
      schemaKey: schemaKey(this.schema),
      seen: Object.fromEntries([...this.seen].map(([role, substances]) => [role, [...substances]])),
      graph: meta(graph),
      gp: meta(gp),
    };
    return {
      kind: this.kind,
      featurizerVersion: graph.featurizerVersion,
      backend: graph.backend,
      trainingSize: graph.trainingSize,
      metrics: combinedMetrics(graph.metrics, gp.metrics),
      weights: encodeContainer(header, new Map([['graph', graph.weights], ['gp', gp.weights]])),
    };
  }

  static restore(schema: ModelSchema, saved: SavedModel): RoutedSurrogate {
    const { header, tensors } = decodeContainer<RoutedHeader>(saved.weights);
    if (header.kind !== RoutedSurrogate.KIND) throw new ModelError(`not a ${RoutedSurrogate.KIND} model: ${header.kind}`);
    if (header.schemaKey !== schemaKey(schema)) throw new ModelError('the saved model was trained on a different search space or targets');
    const part = (name: 'graph' | 'gp'): SavedModel => ({ ...header[name], weights: tensors.get(name) as Uint8Array });
    const model = new RoutedSurrogate(schema, DeepEnsembleSurrogate.restore(schema, part('graph')), GaussianProcessSurrogate.restore(schema, part('gp')));
    model.seen = new Map(Object.entries(header.seen).map(([role, substances]) => [role, new Set(substances)]));
    return model;
  }
}

/** The ensemble's metrics under their own names, the GP's as gp_name. */
function combinedMetrics(graph: Record<string, number>, gp: Record<string, number>): Record<string, number> {
  return { ...graph, ...Object.fromEntries(Object.entries(gp).map(([name, value]) => [`gp_${name}`, value])) };
}

function seenSubstances(schema: ModelSchema, inputs: ReactionInput[]): Map<string, Set<string>> {
  return new Map(schema.roles.map((role) => [role, new Set(inputs.map((input) => input.substances[role] ?? ''))]));
}
