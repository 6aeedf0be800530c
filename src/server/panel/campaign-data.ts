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
import { attributionsFor, landscape, noModelReason, predictedVsObserved, type Landscape, type PredictedPoint } from '../insights.js';
import { randomSearchCurve } from '../random-search.js';
import type { CampaignView, Services } from '../services.js';

export interface CampaignPageData {
  view: CampaignView;
  spec: CampaignSpec;
  experiments: ExperimentRow[];
  results: Map<string, ResultListRow>;
  models: ModelVersionInfo[];
  random: number[] | undefined;
  predicted: { version: number; kind: string; points: PredictedPoint[] } | undefined;
  landscape: Landscape | undefined;
  landscapeError: string | undefined;
  events: EventRow[];
  quarantined: number;
  /** The experiment whose prediction is explained (?explain=, else the best one). */
  explain: ExperimentRow | undefined;
  /** Whether the latest model can attribute that prediction to atoms: true, or why not. */
  explainable: true | string | undefined;
  modelsAvailable: boolean;
  /** What the model sections say when there is no model to show. */
  modelMessage: string;
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
  const explainExperiment =
    (options.explain !== undefined ? experiments.find((e) => e.seq === options.explain) : undefined) ??
    (view.best ? experiments.find((e) => e.seq === view.best?.experiment) : undefined);
  return {
    view,
    spec,
    experiments,
    results: new Map(results.map((r) => [r.experimentId, r])),
    models,
    random,
    predicted,
    landscape: map,
    landscapeError,
    events,
    quarantined: quarantined.length,
    explain: explainExperiment,
    explainable: explainExperiment && predicted ? await explainability(services, row, explainExperiment) : undefined,
    modelsAvailable: services.models.available,
    modelMessage: modelError ?? noModelReason(row),
  };
}
