/**
 * One flat record per experiment (its conditions, status, result, and what the planner predicted
 * when it proposed it): what the CSV and XLSX exports, the report and the panel's experiment table
 * all read, so they agree column for column.
 */
import { measuredQuantities } from '../agent/index.js';
import { specParameters, type CampaignSpec, type ParameterInfo } from '../campaign/index.js';
import { listExperiments, listResults, type CampaignRow, type Db, type ExperimentRow } from '../db/index.js';

export interface ExperimentRecord {
  seq: number;
  batch: number;
  status: string;
  parameters: Record<string, string | number>;
  /** Role → SMILES of the chosen substance. */
  smiles: Record<string, string>;
  values: Record<string, number>;
  excludedReason: string | null;
  /** The model's prediction when the planner proposed it (mean, σ), and the acquisition value it maximised. */
  predicted: number | null;
  sigma: number | null;
  acquisition: number | null;
  strategy: string;
  rank: number;
  reason: string;
  failureReason: string | null;
  plannedAt: Date;
  finishedAt: Date | null;
  experiment: ExperimentRow;
}

export interface CampaignRecords {
  spec: CampaignSpec;
  parameters: ParameterInfo[];
  quantities: string[];
  records: ExperimentRecord[];
}

export async function campaignRecords(db: Db, row: CampaignRow): Promise<CampaignRecords> {
  const spec = row.spec;
  const [experiments, results] = await Promise.all([listExperiments(db, row.id), listResults(db, row.id)]);
  return recordsOf(spec, experiments, new Map(results.map((r) => [r.experimentId, r])));
}

export function recordsOf(
  spec: CampaignSpec,
  experiments: readonly ExperimentRow[],
  results: ReadonlyMap<string, { values: Record<string, number>; excludedReason: string | null }>,
): CampaignRecords {
  const records = experiments.map((e): ExperimentRecord => {
    const result = results.get(e.id);
    return {
      seq: e.seq,
      batch: e.batch,
      status: e.status,
      parameters: e.parameters,
      smiles: e.substances,
      values: result?.values ?? {},
      excludedReason: result?.excludedReason ?? null,
      predicted: e.proposal.mean ?? null,
      sigma: e.proposal.sigma ?? null,
      acquisition: e.proposal.acquisition ?? null,
      strategy: e.proposal.strategy,
      rank: e.proposal.rank,
      reason: e.proposal.reason,
      failureReason: e.failureReason,
      plannedAt: e.createdAt,
      finishedAt: e.finishedAt,
      experiment: e,
    };
  });
  return { spec, parameters: specParameters(spec), quantities: measuredQuantities(spec), records };
}

const withUnit = (name: string, unit: string | undefined | null) => (unit ? `${name} (${unit})` : name);

/** Header and cells of the export, one row per experiment in planning order; numbers stay numbers. */
export function recordTable({ spec, parameters, quantities, records }: CampaignRecords): { header: string[]; rows: (string | number | undefined)[][] } {
  const target = spec.objective.target;
  const unit = spec.objective.unit;
  const roles = parameters.filter((p) => p.kind === 'substance').map((p) => p.name);
  const header = [
    'experiment',
    'batch',
    'status',
    ...parameters.map((p) => withUnit(p.name, p.kind === 'numeric' ? p.unit : undefined)),
    ...roles.map((r) => `${r} SMILES`),
    ...quantities.map((q) => withUnit(q, q === target ? unit : undefined)),
    'excluded from training',
    withUnit(`predicted ${target}`, unit),
    'predicted σ',
    'acquisition value',
    'proposed by',
    'rank in batch',
    'reason proposed',
    'failure reason',
    'planned at',
    'finished at',
  ];
  const rows = records.map((r) => [
    r.seq,
    r.batch,
    r.status,
    ...parameters.map((p) => r.parameters[p.name]),
    ...roles.map((role) => r.smiles[role] ?? ''),
    ...quantities.map((q) => r.values[q]),
    r.excludedReason ?? '',
    r.predicted ?? undefined,
    r.sigma ?? undefined,
    r.acquisition ?? undefined,
    r.strategy,
    r.rank,
    r.reason,
    r.failureReason ?? '',
    r.plannedAt.toISOString(),
    r.finishedAt?.toISOString() ?? '',
  ]);
  return { header, rows };
}

/** The best results first (excluded ones left out), ties by experiment number. */
export function rankedByResult(data: CampaignRecords): ExperimentRecord[] {
  const { target, direction } = data.spec.objective;
  const sign = direction === 'maximize' ? -1 : 1;
  return data.records
    .filter((r) => r.values[target] !== undefined && !r.excludedReason)
    .sort((a, b) => sign * ((a.values[target] as number) - (b.values[target] as number)) || a.seq - b.seq);
}

/** "base P2Et, ligand XPhos, temperature 100 °C": an experiment's conditions in words. */
export function conditionsText(parameters: readonly ParameterInfo[], values: Record<string, string | number>): string {
  return parameters
    .map((p) => {
      const value = values[p.name];
      if (value === undefined || value === '') return `${p.name} none`;
      return `${p.name} ${String(value)}${p.kind === 'numeric' && p.unit ? ` ${p.unit}` : ''}`;
    })
    .join(', ');
}
