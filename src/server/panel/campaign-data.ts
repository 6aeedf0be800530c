/** Everything the campaign page shows, gathered in one place so the page and its live refresh agree. */
import type { CampaignSpec } from '../../campaign/index.js';
import {
  listExperiments,
  listModelVersions,
  listQuarantinedOf,
  listRecentEvents,
  listResults,
  type CampaignRow,
  type EventRow,
  type ExperimentRow,
  type ModelVersionInfo,
  type ResultListRow,
} from '../../db/index.js';
import {
  attributionsFor,
  explainPrediction,
  landscape,
  noModelReason,
  parameterImportance,
  predictedVsObserved,
  type HeldOutView,
  type Landscape,
  type ParameterImportance,
  type PredictionExplanation,
} from '../insights.js';
import { recordsOf, type CampaignRecords } from '../campaign-records.js';
import { randomSearchCurve } from '../random-search.js';
import type { CampaignView, Services } from '../services.js';
import { summarizePrior, type PriorSummary } from '../../agent/prior-summary.js';
import { isParetoSpec, paretoView, type ParetoView } from '../pareto-view.js';

export interface CampaignPageData {
  view: CampaignView;
  spec: CampaignSpec;
  experiments: ExperimentRow[];
  results: Map<string, ResultListRow>;
  /** One flat record per experiment, as the exports have them (the experiment table sorts and filters these). */
  records: CampaignRecords;
  models: ModelVersionInfo[];
  random: number[] | undefined;
  /** Held-out (leave-one-out) predictions of the results, with their R² and RMSE. */
  predicted: HeldOutView | undefined;
  /** Why the latest model predicts what it does for the explained experiment. */
  explanation: PredictionExplanation | undefined;
  importance: ParameterImportance | undefined;
  landscape: Landscape | undefined;
  landscapeError: string | undefined;
  events: EventRow[];
  /** Quarantined reports still waiting for an operator's decision. */
  quarantined: number;
  /** Every quarantined report, newest first (resolved ones too, with the decision). */
  quarantine: Awaited<ReturnType<typeof listQuarantinedOf>>;
  /** The experiment whose prediction is explained (?explain=, else the best one). */
  explain: ExperimentRow | undefined;
  /** Whether the latest model can attribute that prediction to atoms: true, or why not. */
  explainable: true | string | undefined;
  modelsAvailable: boolean;
  /** What the model sections say when there is no model to show. */
  modelMessage: string;
  /** The prior data the campaign learns from, with the learned task correlations (docs/transfer.md). */
  prior?: PriorSummary;
  /** A Pareto campaign's front, hypervolume curve and trade-off table (absent for one target). */
  pareto?: ParetoView;
}

const RECENT_EVENTS = 12;

async function explainability(services: Services, row: CampaignRow, experiment: ExperimentRow): Promise<true | string> {
  try {
    await attributionsFor(services, row, experiment);
    return true;
  } catch (error) {
    return (error as Error).message;
  }
}

export async function loadCampaignPage(services: Services, row: CampaignRow, options: { x?: string; y?: string; explain?: number }): Promise<CampaignPageData> {
  const spec = row.spec as unknown as CampaignSpec;
  const [view, experiments, results, models, events, quarantined] = await Promise.all([
    services.view(row),
    listExperiments(services.db, row.id),
    listResults(services.db, row.id),
    listModelVersions(services.db, row.id),
    listRecentEvents(services.db, row.id, RECENT_EVENTS),
    listQuarantinedOf(services.db, row.id),
  ]);
  const random = await randomSearchCurve(spec, row.budget);
  const prior = await summarizePrior(services.db, row.id);
  const pareto = isParetoSpec(spec) ? await paretoView(services.db, row) : undefined;
  let modelError: string | undefined;
  const predicted = await predictedVsObserved(services, row).catch((error: unknown) => {
    modelError = `the latest model could not be used: ${(error as Error).message}`;
    return undefined;
  });
  let map: Landscape | undefined;
  let landscapeError: string | undefined;
  try {
    map = await landscape(services, row, options.x, options.y);
  } catch (error) {
    landscapeError = (error as Error).message;
  }
  const resultMap = new Map(results.map((r) => [r.experimentId, r]));
  const explainExperiment =
    (options.explain !== undefined ? experiments.find((e) => e.seq === options.explain) : undefined) ??
    (view.best ? experiments.find((e) => e.seq === view.best?.experiment) : undefined);
  return {
    view,
    spec,
    ...(prior.sources.length > 0 ? { prior } : {}),
    ...(pareto ? { pareto } : {}),
    experiments,
    results: resultMap,
    records: recordsOf(spec, experiments, resultMap),
    models,
    random,
    predicted,
    landscape: map,
    landscapeError,
    events,
    quarantined: quarantined.filter((q) => !q.resolution).length,
    quarantine: quarantined,
    explain: explainExperiment,
    explainable: explainExperiment && predicted ? await explainability(services, row, explainExperiment) : undefined,
    explanation: explainExperiment && predicted ? await explainPrediction(services, row, explainExperiment).catch(() => undefined) : undefined,
    importance: predicted ? await parameterImportance(services, row).catch(() => undefined) : undefined,
    modelsAvailable: services.models.available,
    modelMessage: modelError ?? noModelReason(row),
  };
}
