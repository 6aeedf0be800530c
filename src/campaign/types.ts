/* The validated campaign, as the rest of Athanor sees it. Field names are the file's own
 * (snake_case) so a spec can be written back to YAML and read again unchanged. Defaults are
 * filled in; numeric ranges are expanded to their values. */

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
}

export interface NumericParameterSpec {
  /** Distinct values, in file order; a {min, max, step} range arrives here already expanded. */
  values: number[];
  unit?: string;
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
}

export interface BudgetSpec {
  experiments: number;
  batch: number;
}

export type InitialDesign = 'diverse' | 'random';

export type AcquisitionName = 'ei' | 'ucb' | 'pi' | 'thompson' | 'max_sigma' | 'greedy';

export interface PlannerSpec {
  /**
   * 'bayesian': the model once enough results exist; 'diverse' / 'random': model-free throughout;
   * 'discovery': map which combinations react (a binary objective), by active learning.
   */
  strategy: 'bayesian' | 'diverse' | 'random' | 'discovery';
  /** How the first experiments are chosen, before any model. */
  initial_design: InitialDesign;
  /** Results needed before the model takes over; default one batch. */
  initial_results?: number;
  acquisition: AcquisitionName;
  /** UCB exploration weight (default 2). */
  beta?: number;
  /** EI/PI margin in target units. */
  xi: number;
  /** Batch penalisation length in candidate distance (0 = off). */
  penalty_length: number;
  /** Allow a candidate to be run again (replicates) instead of never repeating one. */
  replicates: boolean;
  /** Propose as soon as any lab slot frees up, instead of waiting for room for a whole batch. */
  asynchronous: boolean;
  /** End the campaign early when the largest expected improvement stays below `ei_below` (target units) for `rounds` planning rounds. */
  stop_when_exhausted: false | { ei_below: number; rounds: number };
  /** Settings of the discovery strategy. */
  discovery?: DiscoverySpec;
  /** Choices about the surrogate: how the Gaussian process compares substances. */
  model?: { substance_kernel: 'morgan' | 'wl' | 'morgan+wl' };
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

export type AnalyticFunction = 'peaks' | 'branin' | 'hartmann6';

/** A closed-form test function over a numeric space, scaled into the objective's bounds. */
export interface AnalyticLabSpec {
  type: 'analytic';
  function: AnalyticFunction;
  noise_sd: number;
  latency_ms: number;
  failure_rate: number;
  capacity?: number;
}

/** A robot with an HTTP API (docs/lab-protocols.md). */
export interface HttpLabSpec {
  type: 'http';
  /** Base URL of the robot's API (http or https). */
  url: string;
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
  capacity?: number;
}

/** A robot on an MQTT broker (docs/lab-protocols.md). */
export interface MqttLabSpec {
  type: 'mqtt';
  /** mqtt://, mqtts://, ws:// or wss:// URL of the broker. */
  broker: string;
  topic_prefix: string;
  username?: string;
  password_env?: string;
  /** Registered secret (service configuration) holding the password. */
  password_secret?: string;
  client_id?: string;
  request_timeout_ms: number;
  experiment_timeout_s?: number;
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
export type RobotLabSpec = HttpLabSpec | MqttLabSpec | FilesLabSpec;

/** Discriminated by `type`. */
export type LabSpec = SimulatorLabSpec | EmulatorLabSpec | AnalyticLabSpec | HttpLabSpec | MqttLabSpec | FilesLabSpec | ProfileLabSpec;

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
}

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
  | { kind: 'numeric'; name: string; choices: number[]; unit?: string }
  | { kind: 'categorical'; name: string; choices: string[] };
