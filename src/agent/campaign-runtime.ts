/**
 * Turns a validated campaign spec into the live parts a campaign runs with: its enumerated search
 * space (built by src/planner/space-builder.ts), its planning strategy and its lab. Reading the
 * lab's tables from disk happens here.
 */
import { join } from 'node:path';
import { CampaignSpecError, confinedSpecPath, LAB_PROFILE_HINT, labCapacity, type CampaignSpec, type RobotLabSpec } from '../campaign/index.js';
import { canonicalOrNull } from '../chem/index.js';
import { AnalyticLab } from '../lab-adapters/analytic-lab.js';
import type { LabAdapter } from '../lab-adapters/contract.js';
import { DatasetSimulator, type DatasetReference } from '../lab-adapters/dataset-simulator.js';
import { EmulatorLab } from '../lab-adapters/emulator/emulator-lab.js';
import { ReactionEmulator, type TrainingPoint } from '../lab-adapters/emulator/reaction-emulator.js';
import type { ReactionInputs } from '../lab-adapters/emulator/reaction-metric.js';
import { WithExperimentTimeouts } from '../lab-adapters/experiment-timeouts.js';
import { resultExpectations, type ResultExpectations } from '../lab-adapters/result-payload.js';
import { choiceMatcher, type Parameter } from '../planner/parameters.js';
import { BayesianRecommender } from '../planner/bayesian-recommender.js';
import { ParetoRecommender } from '../planner/pareto-recommender.js';
import { Objective } from '../objectives/objective.js';
import { hasSeveralTargets as severalTargets } from '../campaign/objective-checks.js';
import { objectiveTargets } from '../campaign/objective-schema.js';
import { DiverseDesign, RandomDesign } from '../planner/initial-design.js';
import { DiscoveryRecommender } from '../discovery/discovery-recommender.js';
import { forwardLoaderFor } from './discovery-forward.js';
import type { ModelView, Recommender } from '../planner/recommender.js';
import type { SearchSpace } from '../planner/space.js';
import { buildSpace, type ReadTable } from '../planner/space-builder.js';
import { isEnumerated } from '../campaign/space-size.js';
import { mixedRecommenderFor } from '../planner/mixed/recommender-for.js';
import { readCsv } from '../util/csv.js';
import { ServiceConfig, ServiceConfigError } from './service-config.js';

/** The campaign's surrogate as the agent keeps it: trained in the retraining step, read by planning. */
export interface CampaignModel {
  /** The newest finished model, or undefined before the first one. */
  view(): ModelView | undefined;
  /**
   * Train on the current observations (warm-started from the current model) and record a version,
   * waiting for the fit as long as the retraining policy allows. Nothing to do when the newest
   * version already has every result.
   */
  retrain(signal?: AbortSignal): Promise<void>;
  /** Why the newest version may leave stored results out after the last retrain (undefined: it has them all). */
  readonly staleness?: string | undefined;
  /** Stops background work (a retraining timer) when the campaign leaves this process. */
  close?(): void;
}

export interface CampaignRuntime {
  space: SearchSpace;
  recommender: Recommender;
  model?: CampaignModel;
  lab: LabAdapter;
  capacity: number;
  /** What the dataset behind a simulated lab says is reachable, when the lab is a dataset. */
  reference?: DatasetReference;
  /**
   * Throws unless this process still holds the campaign's lease (several processes on one
   * PostgreSQL); steps call it before acting outside the database. Absent: the campaign is ours.
   */
  fence?: () => Promise<void>;
}

/** Built next to the SearchSpace it builds (src/planner/space-builder.ts); exported here too for existing callers. */
export { buildSpace } from '../planner/space-builder.js';

/** Reads each file once however often a build asks: the scope table is often the simulator's dataset too. */
function onceEach(read: ReadTable): ReadTable {
  const tables = new Map<string, ReturnType<ReadTable>>();
  return (path) => {
    let table = tables.get(path);
    if (!table) tables.set(path, (table = read(path)));
    return table;
  };
}

export function recommenderFor(spec: CampaignSpec): Recommender {
  const planner = spec.planner;
  if (!isEnumerated(spec)) return mixedRecommenderFor(spec);
  if (planner.strategy === 'random') return new RandomDesign();
  if (planner.strategy === 'diverse') return new DiverseDesign();
  const pareto = spec.objective.pareto;
  if (pareto && planner.strategy === 'bayesian') {
    return new ParetoRecommender({
      targets: pareto.map((t) => ({ name: t.target, direction: t.direction })),
      ...(spec.objective.constraints ? { constraints: spec.objective.constraints } : {}),
      ...(spec.objective.cost ? { cost: spec.objective.cost } : {}),
      initialResults: planner.initial_results ?? spec.budget.batch,
      initialDesign: planner.initial_design,
      acquisition: planner.pareto_acquisition ?? 'ehvi',
    });
  }
  if (planner.strategy === 'discovery') {
    const forward = forwardLoaderFor(spec);
    const reactants = planner.discovery?.reactants;
    return new DiscoveryRecommender({
      initialResults: planner.initial_results ?? spec.budget.batch,
      acquisition: planner.discovery?.acquisition ?? 'information',
      penaltyLength: planner.penalty_length,
      initialDesign: planner.initial_design,
      ...(forward ? { forward } : {}),
      model: reactants ? { reactantRoles: reactants } : {},
    });
  }
  return new BayesianRecommender({
    acquisition: {
      name: planner.acquisition,
      xi: planner.xi,
      ...(planner.beta !== undefined ? { beta: planner.beta } : {}),
    },
    initialResults: planner.initial_results ?? spec.budget.batch,
    penaltyLength: planner.penalty_length,
    initialDesign: planner.initial_design,
    batchFantasies: planner.batch_selection === 'fantasies',
  });
}

export interface RuntimeOptions {
  campaignId: string;
  /** Athanor home: simulated labs keep their journals under it. */
  home: string;
  /** Lab profiles and secrets the administrator registered (service-config.ts); default none. */
  config?: ServiceConfig;
}

export async function buildRuntime(spec: CampaignSpec, options: RuntimeOptions): Promise<CampaignRuntime> {
  const readTable = onceEach(readCsv);
  const space = await buildSpace(spec, readTable);
  const capacity = labCapacity(spec);
  const lab = spec.lab;
  switch (lab.type) {
    case 'simulator': {
      const file = await confinedSpecPath(spec, ['lab', 'dataset'], lab.dataset);
      const { rows } = await readTable(file);
      const bounds = spec.objective.bounds ? { [spec.objective.target]: spec.objective.bounds } : undefined;
      const simulator = await DatasetSimulator.open({
        rows,
        source: file,
        keyOfRow: (row) => space.keyOfRow(row, lab.columns),
        results: lab.results,
        ...(lab.product ? { productColumn: lab.product } : {}),
        ...(severalTargets(spec) ? { anyOf: objectiveTargets(spec.objective) } : {}),
        ...(bounds ? { bounds } : {}),
        noiseSd: lab.noise_sd,
        latencyMs: lab.latency_ms,
        failureRate: lab.failure_rate,
        seed: spec.seed,
        capacity,
        journalPath: join(options.home, 'labs', options.campaignId, 'simulator-journal.jsonl'),
      });
      return {
        space,
        recommender: recommenderFor(spec),
        lab: simulator,
        capacity,
        // a desirability is computed, not a dataset column: no reference for it
        ...(spec.objective.desirability ? {} : { reference: simulator.reference(spec.objective.target, Objective.of(spec)) }),
      };
    }
    case 'emulator': {
      const emulator = await emulatorLab(spec, lab, space.parameters, capacity, options);
      return {
        space,
        recommender: recommenderFor(spec),
        lab: emulator,
        capacity,
        ...(spec.objective.desirability ? {} : { reference: emulator.reference(spec.objective.target, Objective.of(spec)) }),
      };
    }
    case 'analytic':
      return { space, recommender: recommenderFor(spec), lab: analyticLab(spec, lab, space.parameters, capacity, options), capacity };
    case 'http':
    case 'mqtt':
    case 'files':
    case 'sila2':
      return { space, recommender: recommenderFor(spec), lab: await robotLab(spec, lab, capacity, options), capacity };
    case 'profile': {
      // the profile as registered now: an administrator's change applies at the next start
      const profile = (options.config ?? new ServiceConfig()).profiles[lab.profile];
      if (!profile) throw new CampaignSpecError([{ path: 'lab.profile', message: `no lab profile "${lab.profile}" is registered; ${LAB_PROFILE_HINT}` }]);
      const merged: RobotLabSpec = {
        ...profile,
        ...(lab.capacity !== undefined ? { capacity: lab.capacity } : {}),
        ...(lab.experiment_timeout_s !== undefined ? { experiment_timeout_s: lab.experiment_timeout_s } : {}),
      };
      const profileCapacity = merged.capacity ?? spec.budget.batch;
      return { space, recommender: recommenderFor(spec), lab: await robotLab(spec, merged, profileCapacity, options, lab.profile), capacity: profileCapacity };
    }
  }
}

/* Labs other than the dataset simulator. Robot labs check that every incoming result carries the
 * objective's targets (expectationsOf) before it reaches the runner, and get per-experiment timeouts when
 * the file asks for them; their secrets come from the environment, never from the file. Their
 * modules load only when a campaign uses them (MQTT.js alone adds half a second to every start). */

type LabOf<T extends CampaignSpec['lab']['type']> = Extract<CampaignSpec['lab'], { type: T }>;

/**
 * What a robot lab checks before a result reaches the runner: the targets it must carry. The
 * objective's bounds are the runner's to check (campaign-runner.ts), where a value outside them is
 * refused to the lab and kept in quarantine, never dropped without a trace.
 */
function expectationsOf(spec: CampaignSpec): ResultExpectations {
  const { target, targets } = resultExpectations(spec.objective);
  return { target, ...(targets ? { targets: targets.map(({ name }) => ({ name })) } : {}) };
}

function fromEnv(variable: string, field: string): string {
  const value = process.env[variable];
  if (value === undefined || value === '') {
    throw new CampaignSpecError([{ path: `lab.${field}`, message: `the environment variable ${variable} is not set` }]);
  }
  return value;
}

/** A secret's value: from the environment variable a campaign file names, or registered by name. */
function secretOf(options: RuntimeOptions, source: { env?: string | undefined; name?: string | undefined }, fields: { env: string; name: string }): string {
  if (source.env !== undefined) return fromEnv(source.env, fields.env);
  try {
    return (options.config ?? new ServiceConfig()).secret(source.name ?? '');
  } catch (error) {
    if (error instanceof ServiceConfigError) throw new CampaignSpecError([{ path: `lab.${fields.name}`, message: error.message }]);
    throw error;
  }
}

function hostAndPort(text: string): { host: string; port: number } {
  const at = text.lastIndexOf(':');
  return { host: text.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(text.slice(at + 1)) };
}

/** lab.tls of an HTTP or MQTT lab: the CA file read (a campaign file's inside its data folders, a
 * profile's as the administrator gave it) and the certificate's expected name. */
async function privateTls(spec: CampaignSpec, tls: { ca_file?: string; server_name?: string } | undefined, profile: string | undefined): Promise<{ ca?: Buffer; serverName?: string } | undefined> {
  if (!tls) return undefined;
  const { readFile } = await import('node:fs/promises');
  const ca = tls.ca_file === undefined ? undefined : await readFile(profile !== undefined ? tls.ca_file : await confinedSpecPath(spec, ['lab', 'tls', 'ca_file'], tls.ca_file));
  return { ...(ca ? { ca } : {}), ...(tls.server_name ? { serverName: tls.server_name } : {}) };
}

/** `profile`: the registered profile `lab` comes from, whose folder the administrator chose; a
 * campaign file's own folder must be inside its data folders. */
async function robotLab(spec: CampaignSpec, lab: RobotLabSpec, capacity: number, options: RuntimeOptions, profile?: string): Promise<LabAdapter> {
  const labId = options.campaignId;
  const expectations = expectationsOf(spec);
  let adapter: LabAdapter;
  if (lab.type === 'http') {
    const { HttpRobotAdapter } = await import('../lab-adapters/http/http-robot-adapter.js');
    const tls = await privateTls(spec, lab.tls, profile);
    adapter = new HttpRobotAdapter({
      labId,
      url: lab.url,
      ...(tls ? { tls } : {}),
      capacity,
      expectations,
      requestTimeoutMs: lab.request_timeout_ms,
      pollIntervalMs: lab.poll_interval_ms,
      ...(lab.auth ? { auth: { header: lab.auth.header, value: secretOf(options, { env: lab.auth.value_env, name: lab.auth.secret }, { env: 'auth.value_env', name: 'auth.secret' }) } } : {}),
      ...(lab.results === 'callback'
        ? {
            callback: {
              secret: secretOf(options, { env: lab.secret_env, name: lab.callback_secret }, { env: 'secret_env', name: 'callback_secret' }),
              ...(lab.callback_url ? { publicUrl: lab.callback_url } : {}),
              ...(lab.callback_listen ? { listen: hostAndPort(lab.callback_listen) } : {}),
            },
          }
        : {}),
    });
  } else if (lab.type === 'mqtt') {
    const { MqttRobotAdapter } = await import('../lab-adapters/mqtt/mqtt-robot-adapter.js');
    const tls = await privateTls(spec, lab.tls, profile);
    adapter = new MqttRobotAdapter({
      labId,
      brokerUrl: lab.broker,
      ...(tls ? { tls } : {}),
      topicPrefix: lab.topic_prefix,
      capacity,
      expectations,
      requestTimeoutMs: lab.request_timeout_ms,
      commandExpiryMs: lab.command_expiry_s * 1000,
      ...(lab.secret_env || lab.results_secret
        ? { resultSecret: secretOf(options, { env: lab.secret_env, name: lab.results_secret }, { env: 'secret_env', name: 'results_secret' }) }
        : {}),
      ...(lab.username !== undefined ? { username: lab.username } : {}),
      ...(lab.password_env || lab.password_secret
        ? { password: secretOf(options, { env: lab.password_env, name: lab.password_secret }, { env: 'password_env', name: 'password_secret' }) }
        : {}),
      ...(lab.client_id ? { clientId: lab.client_id } : {}),
    });
  } else if (lab.type === 'sila2') {
    const [{ Sila2Adapter }, { readFile }] = await Promise.all([import('../lab-adapters/sila2/sila2-adapter.js'), import('node:fs/promises')]);
    const tls = lab.tls;
    const caFile = tls !== undefined && tls !== true ? tls.ca_file : undefined;
    const ca = caFile === undefined ? undefined : await readFile(profile !== undefined ? caFile : await confinedSpecPath(spec, ['lab', 'tls', 'ca_file'], caFile));
    adapter = new Sila2Adapter({
      labId,
      address: lab.address,
      capacity,
      expectations,
      requestTimeoutMs: lab.request_timeout_ms,
      lock: lab.lock,
      lockTimeoutS: lab.lock_timeout_s,
      ...(lab.access_token_env || lab.access_token_secret
        ? { accessToken: secretOf(options, { env: lab.access_token_env, name: lab.access_token_secret }, { env: 'access_token_env', name: 'access_token_secret' }) }
        : {}),
      ...(tls === true ? { tls: true as const } : tls ? { tls: { ...(ca ? { ca } : {}), ...(tls.server_name ? { serverName: tls.server_name } : {}) } } : {}),
      journalPath: join(options.home, 'labs', options.campaignId, 'sila2-journal.jsonl'),
    });
  } else {
    const { FileDropAdapter } = await import('../lab-adapters/files/file-drop-adapter.js');
    adapter = new FileDropAdapter({
      labId,
      folder: profile !== undefined ? lab.folder : await confinedSpecPath(spec, ['lab', 'folder'], lab.folder),
      capacity,
      expectations,
      batchWindowMs: lab.batch_window_ms,
      pollIntervalMs: lab.poll_interval_ms,
      settleMs: lab.settle_ms,
      ...(lab.plate_wells ? { plateWells: lab.plate_wells } : {}),
      journalPath: join(options.home, 'labs', options.campaignId, 'file-drop-journal.jsonl'),
    });
  }
  return lab.experiment_timeout_s ? new WithExperimentTimeouts(adapter, lab.experiment_timeout_s * 1000) : adapter;
}

function simulatedCommon(spec: CampaignSpec, lab: LabOf<'emulator' | 'analytic'>, capacity: number, options: RuntimeOptions) {
  return {
    noiseSd: lab.noise_sd,
    latencyMs: lab.latency_ms,
    failureRate: lab.failure_rate,
    seed: spec.seed,
    capacity,
    ...(spec.objective.bounds ? { bounds: { [spec.objective.target]: spec.objective.bounds } } : {}),
    journalPath: join(options.home, 'labs', options.campaignId, `${lab.type}-journal.jsonl`),
  };
}

function analyticLab(spec: CampaignSpec, lab: LabOf<'analytic'>, parameters: readonly Parameter[], capacity: number, options: RuntimeOptions): AnalyticLab {
  return new AnalyticLab({
    ...simulatedCommon(spec, lab, capacity, options),
    function: lab.function,
    dimensions: parameters.map((p) => {
      if (p.kind === 'continuous') return { name: p.name, min: p.min, max: p.max };
      if (p.kind !== 'numeric') throw new CampaignSpecError([{ path: 'lab.type', message: `an analytic lab needs numeric parameters; "${p.name}" is ${p.kind}` }]);
      return { name: p.name, min: Math.min(...p.values), max: Math.max(...p.values) };
    }),
    quantity: spec.objective.target,
    range: spec.objective.bounds ?? [0, 100],
    direction: spec.objective.direction,
    missingRate: lab.missing_rate,
  });
}

async function emulatorLab(spec: CampaignSpec, lab: LabOf<'emulator'>, parameters: readonly Parameter[], capacity: number, options: RuntimeOptions): Promise<EmulatorLab> {
  const file = await confinedSpecPath(spec, ['lab', 'dataset'], lab.dataset);
  const { rows } = await readCsv(file);
  // a continuous condition is a number to the emulator's metric
  const dimensions = parameters.map((p) => ({ name: p.name, kind: p.kind === 'continuous' ? ('numeric' as const) : p.kind }));
  const decoders = parameters.map((p) => cellDecoder(p));
  const points: TrainingPoint[] = [];
  for (const row of rows) {
    const inputs: ReactionInputs = {};
    const ok = parameters.every((p, j) => {
      const value = decoders[j]?.(row[lab.columns[p.name] ?? ''] ?? '');
      if (value === undefined) return false;
      inputs[p.name] = value;
      return true;
    });
    const values: Record<string, number> = {};
    for (const [quantity, column] of Object.entries(lab.results)) {
      const v = Number.parseFloat(row[column] ?? '');
      if (Number.isFinite(v)) values[quantity] = v;
    }
    if (ok && Object.keys(values).length === Object.keys(lab.results).length) points.push({ inputs, values });
  }
  // every value of the space is known in advance, so distances to unmeasured points are ready too
  const vocabulary = parameters.map((p) => (p.kind === 'substance' ? p.choices.map((c) => c.smiles) : p.kind === 'continuous' ? [p.min, p.max] : p.values));
  const widest = Math.max(...vocabulary.map((v) => v.length));
  const spaceInputs = Array.from({ length: widest }, (_, i) =>
    Object.fromEntries(parameters.map((p, j) => {
      const values = vocabulary[j] as (string | number)[];
      return [p.name, values[i % values.length] as string | number];
    })),
  );
  const emulator = ReactionEmulator.fit(dimensions, points, {
    target: objectiveTargets(spec.objective)[0] ?? spec.objective.target,
    seed: spec.seed,
    vocabulary: spaceInputs,
    ...(lab.neighbours !== undefined ? { neighbours: lab.neighbours } : {}),
  });
  return new EmulatorLab({ ...simulatedCommon(spec, lab, capacity, options), emulator, dimensions, source: file });
}

/** A dataset cell in the emulator's terms: a substance as canonical SMILES (a choice's, or the
 * cell's own when it is a SMILES outside the space), a number, or a category; undefined to skip. */
function cellDecoder(parameter: Parameter): (cell: string) => string | number | undefined {
  const match = choiceMatcher(parameter);
  if (parameter.kind === 'substance') {
    return (cell) => {
      const code = match(cell);
      return code >= 0 ? parameter.choices[code]?.smiles : (canonicalOrNull(cell) ?? undefined);
    };
  }
  if (parameter.kind === 'numeric' || parameter.kind === 'continuous') {
    return (cell) => {
      const n = Number(cell.trim());
      return cell.trim() !== '' && Number.isFinite(n) ? n : undefined;
    };
  }
  return (cell) => (cell.trim() === '' ? undefined : cell.trim());
}
