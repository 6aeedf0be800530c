/* The validated campaign, as the rest of Athanor sees it. Field names are the file's own
 * (snake_case) so a spec can be written back to YAML and read again unchanged. Defaults are
 * filled in; numeric ranges are expanded to their values. */

import type { SubstanceKernel } from '../models/gp-kernel.js';
import type { TransferModel } from '../models/transfer-models.js';
import type { AcquisitionName, InitialDesign, ParetoAcquisitionName, StrategyName } from './kinds.js';

export type Direction = 'maximize' | 'minimize';

export interface ObjectiveSpec {
  /** Name of the measured quantity to optimise (an identifier, a key of lab.results). */
  target: string;
  direction: Direction;
  /** [low, high]: results outside are rejected when they arrive. */
  bounds?: [number, number];
  unit?: string;
  /** Stop the campaign once a result reaches this value. */
  goal?: number;
  /**
   * One target matched to a value (`direction` is then `maximize` and unused): the closer the
   * better, either side; a result within `tolerance` reaches the goal.
   */
  match?: number;
  tolerance?: number;
  /**
   * Several targets traded off as a Pareto front (the file's `objective.pareto`). `target` and
   * `direction` above then name the first of them (summaries' "best" reads it).
   */
  pareto?: ParetoTargetSpec[];
  /**
   * Several targets combined into one desirability in [0, 1] (weighted geometric mean of each
   * target's transform); `target` is then "desirability", maximised, bounds [0, 1].
   */
  desirability?: DesirabilityTargetSpec[];
  /** Limits on measured quantities a proposal should keep to (probability of feasibility). */
  constraints?: OutcomeConstraintSpec[];
  /** What an experiment costs: acquisition becomes improvement per unit cost. */
  cost?: CostSpec;
}

/** One target of a Pareto objective. */
export interface ParetoTargetSpec {
  target: string;
  direction: Direction;
  unit?: string;
  /** [low, high]: results outside are refused when they arrive. */
  bounds?: [number, number];
}

/**
 * One target of a desirability objective: maximise (0 at or below `low`, 1 at or above `high`),
 * minimise (1 at or below `low`, 0 at or above `high`), or match a value within a tolerance
 * (1 at `match`, 0 at `match ± tolerance` and beyond).
 */
export interface DesirabilityTargetSpec {
  target: string;
  direction: Direction;
  low?: number;
  high?: number;
  match?: number;
  tolerance?: number;
  weight: number;
  /** Above 1 the target is harder to satisfy (d rises late), below 1 easier. */
  exponent?: number;
  unit?: string;
}

/** `impurity <= 2`: the measured quantity, the comparison, the limit. */
export interface OutcomeConstraintSpec {
  target: string;
  operator: '<=' | '>=';
  bound: number;
}

export interface CostSpec {
  /** Paid for every experiment. */
  per_experiment: number;
  /** Parameter → choice → cost of choosing it (a choice not listed costs nothing). */
  per_choice: Record<string, Record<string, number>>;
  /** How strongly cost counts: acquisition / cost^exponent (0 ignores cost); default 1. */
  exponent: number;
}

/** A numeric parameter: a list of values (a {min, max, step} grid arrives expanded) or a continuous range. */
export type NumericParameterSpec = DiscreteNumericSpec | ContinuousNumericSpec;

export interface DiscreteNumericSpec {
  /** Distinct values, in file order; a {min, max, step} range arrives here already expanded. */
  values: number[];
  unit?: string;
}

/** {min, max} without a step: any real value between them (docs/campaign-file.md). */
export interface ContinuousNumericSpec {
  min: number;
  max: number;
  /** The smallest step the instrument can set: proposals are rounded to min + k × resolution. */
  resolution?: number;
  /** Explored and modelled on a log scale (min > 0). */
  log?: boolean;
  unit?: string;
}

export function isContinuousSpec(p: NumericParameterSpec): p is ContinuousNumericSpec {
  return !('values' in p);
}

/** Space-level rules over continuous parameters (docs/campaign-file.md, "Continuous and mixed spaces"). */
export interface CardinalitySpec {
  parameters: string[];
  max_nonzero: number;
}

/** A forbidden combination: parameter → one choice or a list of choices (numbers for numeric
 * parameters). A candidate matching every entry is never proposed. */
export type ForbiddenRule = Record<string, ForbiddenValue | ForbiddenValue[]>;
export type ForbiddenValue = string | number;

export interface ScopeSpec {
  /** CSV, relative to the campaign file (see resolveSpecPath). */
  file: string;
  /** Every parameter → the column holding it. */
  columns: Record<string, string>;
}

export interface SpaceSpec {
  /** Role → choice name → SMILES ('' = none of this role). */
  substances: Record<string, Record<string, string>>;
  numeric: Record<string, NumericParameterSpec>;
  categorical: Record<string, string[]>;
  forbidden: ForbiddenRule[];
  /** When set, the space is the rows of this table rather than the full grid. */
  scope?: ScopeSpec;
  /** Groups of substance roles (same choices) whose choices form a set: order-free, no repeats. */
  unordered?: string[][];
  /** Linear constraints over continuous parameters, as written ("a + b == 1", "x >= 1.5 * y"). */
  constraints?: string[];
  /** At most max_nonzero of these continuous parameters are non-zero. */
  cardinality?: CardinalitySpec[];
  /** parameter → the choices of other parameters for which it matters (else held at its first value). */
  active_when?: Record<string, ForbiddenRule>;
  /** false: never list the discrete product (too large); planned by sampling and local search. */
  enumerate?: false;
}

export interface BudgetSpec {
  experiments: number;
  batch: number;
}

export type { AcquisitionName, InitialDesign, ParetoAcquisitionName, StrategyName } from './kinds.js';

export interface PlannerSpec {
  /**
   * 'bayesian': the model once enough results exist; 'diverse' / 'random': model-free throughout;
   * 'discovery': map which combinations react (a binary objective), by active learning.
   */
  strategy: StrategyName;
  /** How the first experiments are chosen, before any model. */
  initial_design: InitialDesign;
  /** Results needed before the model takes over; default one batch. */
  initial_results?: number;
  acquisition: AcquisitionName;
  /** UCB exploration weight (default 2). */
  beta?: number;
  /** EI/PI margin in target units. */
  xi: number;
  /** Pareto objectives: expected hypervolume improvement (default) or ParEGO scalarisation. */
  pareto_acquisition?: ParetoAcquisitionName;
  /** Batch penalisation length in candidate distance (0 = off). */
  penalty_length: number;
  /**
   * How a batch is chosen: greedy with penalisation by candidate distance, or by fantasies (each
   * pick believed at its predicted mean and the GP's σ conditioned on it; penalty_length is then unused).
   */
  batch_selection: 'penalty' | 'fantasies';
  /** Allow a candidate to be run again (replicates) instead of never repeating one. */
  replicates: boolean;
  /** Propose as soon as any lab slot frees up, instead of waiting for room for a whole batch. */
  asynchronous: boolean;
  /** The approval gate: each planned batch waits for an operator (approve, edit, reject) before dispatch. */
  approval?: { required: boolean; auto_approve_after_s?: number };
  /** End the campaign early when the largest expected improvement stays below `ei_below` (target units) for `rounds` planning rounds. */
  stop_when_exhausted: false | { ei_below: number; rounds: number };
  /** Settings of the discovery strategy. */
  discovery?: DiscoverySpec;
  /** Choices about the surrogate: how the Gaussian process compares substances. */
  model?: { substance_kernel: SubstanceKernel; hyper_samples: number; transfer: TransferModel };
}

export interface DiscoverySpec {
  /** Substance roles that react (the forward model's input); default every substance role. */
  reactants?: string[];
  /** 'information': expected information gain (BALD); 'uncertainty': entropy of the predicted outcome. */
  acquisition: 'information' | 'uncertainty';
  /** Forward model file, relative to the campaign file; default the shipped one; false: none. */
  forward_model?: string | false;
}

export interface SimulatorLabSpec {
  type: 'simulator';
  /** CSV, relative to the campaign file. */
  dataset: string;
  /** Every parameter → dataset column. */
  columns: Record<string, string>;
  /** Measured quantity → dataset column; includes objective.target. */
  results: Record<string, string>;
  /** Column with the observed product's SMILES, reported in each result's raw payload. */
  product?: string;
  noise_sd: number;
  latency_ms: number;
  failure_rate: number;
  /** Experiments in flight at once. Left unset when the file omits it, because its default
   * (budget.batch) follows the batch, which a command-line override may change: use
   * labCapacity(spec). */
  capacity?: number;
}

/** Like the simulator, but a model fitted on the dataset answers: any point of the space, also
 * those the dataset lacks. */
export interface EmulatorLabSpec {
  type: 'emulator';
  dataset: string;
  columns: Record<string, string>;
  results: Record<string, string>;
  /** Neighbours the emulator averages; unset: chosen by leave-one-out error on the dataset. */
  neighbours?: number;
  noise_sd: number;
  latency_ms: number;
  failure_rate: number;
  capacity?: number;
}

/** Single-score functions, then multi-objective problems (several targets, src/objectives/multi/problems). */
export type AnalyticFunction = 'peaks' | 'branin' | 'hartmann6' | 'branin-currin' | 'dtlz2-2' | 'dtlz2-3' | 'snar';

/** A closed-form test function over a numeric space, scaled into the objective's bounds. */
export interface AnalyticLabSpec {
  type: 'analytic';
  function: AnalyticFunction;
  noise_sd: number;
  latency_ms: number;
  failure_rate: number;
  /** Multi-objective problems: probability that each target is left out of a result (one is always kept). */
  missing_rate: number;
  capacity?: number;
}

/** A robot with an HTTP API (docs/lab-protocols.md). */
export interface HttpLabSpec {
  type: 'http';
  /** Base URL of the robot's API (http or https). */
  url: string;
  /** https:// to a robot whose certificate a private CA signed: the roots to trust, the expected name. */
  tls?: { ca_file?: string; server_name?: string };
  /** Sent with every request to the robot: header name and where its value comes from, an
   * environment variable (`value_env`) or a secret the administrator registered (`secret`). */
  auth?: { header: string; value_env?: string; secret?: string };
  /** How results come back: Athanor polls the robot, or the robot posts signed callbacks. */
  results: 'poll' | 'callback';
  poll_interval_ms: number;
  request_timeout_ms: number;
  /** Variable holding the HMAC key callbacks are signed with (this or callback_secret, for callbacks). */
  secret_env?: string;
  /** Registered secret (service configuration) holding the HMAC key callbacks are signed with. */
  callback_secret?: string;
  /** Where robots post results when that is not this process's own listener (e.g. the service). */
  callback_url?: string;
  /** host:port the callback listener binds; default 127.0.0.1:0 when callback_url is unset. */
  callback_listen?: string;
  /** An experiment without a result this long after dispatch fails. */
  experiment_timeout_s?: number;
  /** The robot unhealthy this long (unreachable, busy, credentials refused) pauses the campaign; default 300. */
  pause_after_unhealthy_s: number;
  capacity?: number;
}

/** A robot on an MQTT broker (docs/lab-protocols.md). */
export interface MqttLabSpec {
  type: 'mqtt';
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  broker: string;
  /** mqtts:// or wss:// to a broker whose certificate a private CA signed: the roots to trust, the expected name. */
  tls?: { ca_file?: string; server_name?: string };
  topic_prefix: string;
  username?: string;
  password_env?: string;
  /** Registered secret (service configuration) holding the password. */
  password_secret?: string;
  client_id?: string;
  request_timeout_ms: number;
  experiment_timeout_s?: number;
  /** The robot unhealthy this long pauses the campaign; default 300. */
  pause_after_unhealthy_s: number;
  /** A command not taken within this many seconds is stale: the broker drops it (MQTT 5) and the robot ignores it; default 60. */
  command_expiry_s: number;
  /** Variable holding the HMAC key results are signed with (this or results_secret): unsigned results are then refused. */
  secret_env?: string;
  /** Registered secret (service configuration) holding that key. */
  results_secret?: string;
  capacity?: number;
}

/** Worklists and result files in shared folders (docs/lab-protocols.md). */
export interface FilesLabSpec {
  type: 'files';
  /** Root of outbox/, inbox/, archive/ and error/, relative to the campaign file. */
  folder: string;
  /** Well-plate runs: each worklist is one plate of this size, with a plate map beside it. */
  plate_wells?: 24 | 48 | 96 | 384;
  /** Dispatches closer together than this go into one worklist. */
  batch_window_ms: number;
  poll_interval_ms: number;
  /** A result file is read only once its size and time have not changed for this long. */
  settle_ms: number;
  experiment_timeout_s?: number;
  /** outbox/ or inbox/ unusable this long (not a writable folder) pauses the campaign. */
  pause_after_unhealthy_s: number;
  capacity?: number;
}

/** A SiLA 2 server running experiments as the ReactionStation feature's observable command (docs/lab-protocols.md). */
export interface Sila2LabSpec {
  type: 'sila2';
  /** host:port of the server. */
  address: string;
  /** Variable holding the access token (AuthorizationService metadata). */
  access_token_env?: string;
  /** Registered secret (service configuration) holding the access token. */
  access_token_secret?: string;
  /** true: TLS with the system's roots; ca_file: the PEM roots to trust (relative to the campaign file). */
  tls?: true | { ca_file?: string; server_name?: string };
  /** Allow plaintext to a server that is not on a loopback address. */
  plaintext: boolean;
  /** Lock the server for the campaign's session (LockController). */
  lock: boolean;
  lock_timeout_s: number;
  request_timeout_ms: number;
  experiment_timeout_s?: number;
  /** Unhealthy this long (unreachable, full, locked by another client, token refused) pauses the campaign. */
  pause_after_unhealthy_s: number;
  capacity?: number;
}

/** A robot lab the administrator registered in the service's configuration (docs/operations.md):
 * its address, folder and secrets live there, not in the campaign file. */
export interface ProfileLabSpec {
  type: 'profile';
  /** The registered lab profile's id. */
  profile: string;
  /** Overrides the profile's capacity for this campaign. */
  capacity?: number;
  experiment_timeout_s?: number;
}

/** Robot labs: what a lab profile may hold. */
export type RobotLabSpec = HttpLabSpec | MqttLabSpec | FilesLabSpec | Sila2LabSpec;

/** Discriminated by `type`. */
export type LabSpec = SimulatorLabSpec | EmulatorLabSpec | AnalyticLabSpec | HttpLabSpec | MqttLabSpec | FilesLabSpec | Sila2LabSpec | ProfileLabSpec;

/** What a campaign file holds, after validation and defaults. */
export interface CampaignFileSpec {
  name: string;
  description?: string;
  objective: ObjectiveSpec;
  space: SpaceSpec;
  budget: BudgetSpec;
  seed: number;
  planner: PlannerSpec;
  lab: LabSpec;
  /** Prior data the campaign learns from besides its own results (docs/transfer.md). */
  prior?: PriorSourceSpec[];
}

/** Whether prior data is of the campaign's own task (joins the training set) or a related one (multi-task surrogate). */
export type PriorTask = 'same' | 'related';

export interface PriorFileSpec {
  name?: string;
  /** CSV inside the data folders, relative to the campaign file. */
  file: string;
  /** Every parameter → the column holding it (scope-table matching rules). */
  columns: Record<string, string>;
  /** Measured quantity → the column holding it. */
  results: Record<string, string>;
  task: PriorTask;
  /** A column whose distinct values are separate sources (e.g. the aryl halide of each row). */
  task_column?: string;
}

export interface PriorCampaignSpec {
  name?: string;
  /** An earlier campaign's id or name in the same database. */
  campaign: string;
  task: PriorTask;
}

export type PriorSourceSpec = PriorFileSpec | PriorCampaignSpec;

export interface CampaignSpec extends CampaignFileSpec {
  /** Absolute directory of the campaign file; relative paths in the spec resolve against it. */
  baseDir: string;
  /**
   * The folders every file of the campaign must be inside (baseDir among them), absolute, as
   * validated; checked again, links resolved, each time the campaign opens a file. Campaigns
   * stored before this field existed are confined to baseDir.
   */
  dataFolders?: string[];
}

export type ParameterKind = 'substance' | 'numeric' | 'categorical';

/** One parameter of the space, whatever its kind, for code that treats them uniformly. */
export type ParameterInfo =
  | { kind: 'substance'; name: string; choices: string[]; smiles: Record<string, string> }
  | { kind: 'numeric'; name: string; choices: number[]; unit?: string; continuous?: { min: number; max: number; resolution?: number; log?: boolean } }
  | { kind: 'categorical'; name: string; choices: string[] };
