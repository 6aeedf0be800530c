import { z } from 'zod';
import { SUBSTANCE_KERNELS } from '../models/gp-kernel.js';
import { DEFAULT_TRANSFER_MODEL, TRANSFER_MODELS } from '../models/transfer-models.js';
import { ACQUISITIONS, INITIAL_DESIGNS, PARETO_ACQUISITIONS, STRATEGIES } from './kinds.js';
import { safeText } from '../util/safe-text.js';
import { normaliseObjective, objectiveFields, refineObjective } from './objective-schema.js';
import { MULTI_ANALYTIC_FUNCTIONS } from './analytic-problems.js';
import { continuousSpaceFields, normaliseNumericParameter, refineNumericParameter } from './numeric-schema.js';
import type { CampaignFileSpec, LabSpec, RobotLabSpec } from './types.js';

/* The shape of a campaign file. Only what one field (or one object) can check on its own lives
 * here, so the schema stays a faithful description of the format for OpenAPI
 * (z.toJSONSchema(campaignSpecSchema, { io: 'input' })); cross-references, chemistry and files
 * are checked afterwards (checks.ts, chem-checks.ts, file-checks.ts). Objects are strict: a typo
 * in a field name must fail loudly rather than silently fall back to a default. */

/** Upper limit for a {min, max, step} range: beyond it a typo (step 0.001 for 0.1) would
 * quietly produce an enormous space. */
export const MAX_RANGE_VALUES = 10_000;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const identifier = z
  .string()
  .regex(IDENTIFIER, 'must be an identifier (letters, digits and _, not starting with a digit)');
const nonEmpty = z.string().trim().min(1, 'must not be empty');
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const objectiveSchema = z
  .strictObject(objectiveFields)
  .superRefine(refineObjective)
  .transform(normaliseObjective)
  .describe('The measured quantity to optimise and which way is better, or several (pareto, desirability); outcome constraints; cost');

/** Values, a range expanded to values, or (min and max without a step) a continuous range. One
 * strict object rather than a union, so a stray or misspelt field gets a precise message instead
 * of "no union member matched". */
const numericParameterSchema = z
  .strictObject({
    values: z.array(finite).optional(),
    min: finite.optional(),
    max: finite.optional(),
    step: finite.optional(),
    resolution: finite.optional().describe('Continuous range: the smallest step the instrument can set; proposals are rounded to min + k × resolution'),
    log: z.boolean().optional().describe('Continuous range: explore and model it on a log scale (min must be > 0)'),
    unit: z.string().optional(),
  })
  .superRefine(refineNumericParameter)
  .transform(normaliseNumericParameter);

const forbiddenValue = z.union([z.string(), z.number()]);
const forbiddenRuleSchema = z.record(
  z.string(),
  z.union([forbiddenValue, z.array(forbiddenValue).min(1, 'must list at least one choice')], {
    error: 'must be a choice or a list of choices',
  }),
);

const columnsSchema = z.record(z.string(), nonEmpty);

const scopeSchema = z.strictObject({
  file: nonEmpty,
  columns: columnsSchema,
});

const spaceSchema = z.strictObject({
  substances: z
    .record(identifier, z.record(z.string().min(1, 'must not be empty'), z.string({ error: 'must be a SMILES string' })))
    .default({}),
  numeric: z.record(identifier, numericParameterSchema).default({}),
  categorical: z.record(identifier, z.array(nonEmpty)).default({}),
  forbidden: z.array(forbiddenRuleSchema).default([]),
  scope: scopeSchema.optional(),
  unordered: z
    .array(z.array(identifier).min(2, 'a group needs at least two roles'))
    .optional()
    .describe('Groups of substance roles with the same choices that draw from one inventory: a candidate is a set of reagents (order does not matter, none twice)'),
  ...continuousSpaceFields,
});

/** A budget beyond these is a typo, not a plan (and batch selection grows with the batch). */
export const MAX_BUDGET_EXPERIMENTS = 1_000_000;
export const MAX_BATCH = 1_000;

const budgetSchema = z.strictObject({
  experiments: z.int().positive().max(MAX_BUDGET_EXPERIMENTS),
  batch: z.int().positive().max(MAX_BATCH),
});

const plannerSchema = z
  .strictObject({
    strategy: z.enum(STRATEGIES).default('bayesian'),
    initial_design: z.enum(INITIAL_DESIGNS).default('diverse'),
    initial_results: z.int().positive().optional(),
    acquisition: z.enum(ACQUISITIONS).default('ucb'),
    beta: finite.positive().optional(),
    xi: finite.nonnegative().default(0),
    pareto_acquisition: z
      .enum(PARETO_ACQUISITIONS)
      .optional()
      .describe('With objective.pareto: expected hypervolume improvement (ehvi, the default) or ParEGO random scalarisation (parego)'),
    penalty_length: finite.min(0).max(1).default(0.1),
    batch_selection: z
      .enum(['penalty', 'fantasies'])
      .default('penalty')
      .describe('How a batch is chosen: penalisation by candidate distance (penalty_length), or fantasies: each pick taken as a result at its predicted mean and the model conditioned on it before the next (Gaussian process only)'),
    model: z
      .strictObject({
        substance_kernel: z
          .enum(SUBSTANCE_KERNELS)
          .default('morgan')
          .describe('How the Gaussian process compares substances: Morgan fingerprints (Tanimoto), Weisfeiler–Lehman subtree counts of the molecular graphs (MinMax), one-hot, RDKit descriptors, the forward model\'s encoder (mpnn), the autoencoder\'s latent space, or Morgan with another view'),
        hyper_samples: z
          .int()
          .min(0)
          .max(64)
          .default(0)
          .describe('Predict with the mixture of the GP at its most probable hyperparameters and this many draws from their Laplace posterior (docs/planner.md); 0: the most probable alone'),
        transfer: z
          .enum(TRANSFER_MODELS)
          .default(DEFAULT_TRANSFER_MODEL)
          .describe('How prior data of related tasks is used (docs/transfer.md): one multi-task GP over every task (multitask), or one GP per source weighted by how well it ranks the campaign\'s own results (ranking-ensemble, the default)'),
      })
      .optional()
      .describe('Choices about the surrogate model (docs/models.md)'),
    replicates: z.boolean().default(false),
    asynchronous: z.boolean().default(false),
    approval: z
      .strictObject({
        required: z.boolean().default(true).describe('Whether each planned batch waits for an operator before it is dispatched'),
        auto_approve_after_s: finite.positive().optional().describe('Approve a batch nobody decided on after this many seconds'),
      })
      .optional()
      .describe('The approval gate (docs/campaign-file.md): planned batches wait for a chemist to approve, edit or reject them'),
    stop_when_exhausted: z
      .union([z.literal(false), z.strictObject({ ei_below: finite.positive(), rounds: z.int().positive().default(3) })])
      .default(false),
    discovery: z
      .strictObject({
        reactants: z.array(identifier).min(1).optional(),
        acquisition: z.enum(['information', 'uncertainty']).default('information'),
        forward_model: z.union([nonEmpty, z.literal(false)]).optional(),
      })
      .optional()
      .describe('Settings of the discovery strategy (docs/discovery.md): which substance roles react, the acquisition, the forward model file'),
    retraining: z
      .strictObject({
        every_results: z.int().positive().optional(),
        every_seconds: finite.positive().optional(),
        full_every: z.int().positive().optional(),
        wait_seconds: finite.nonnegative().optional(),
      })
      .optional()
      .describe("This campaign's retraining policy under `athanor serve`; unset fields take the service's defaults (docs/operations.md)"),
  })
  .describe('How experiments are chosen: the model-driven strategy, its acquisition function and its batch rules.');

const simulatorLabSchema = z.strictObject({
  type: z.literal('simulator'),
  dataset: nonEmpty,
  columns: columnsSchema,
  results: z.record(identifier, nonEmpty),
  product: nonEmpty.optional().describe("Column holding the observed product's SMILES (reported in each result's raw payload; discovery campaigns show it)"),
  noise_sd: finite.nonnegative().default(0),
  latency_ms: finite.nonnegative().default(0),
  failure_rate: finite.min(0).max(1).default(0),
  capacity: z.int().positive().optional(),
});

/* Robot labs. Secrets never live in the file (it is stored with the campaign): fields ending in
 * _env name the environment variable that holds them. Transport and protocol: docs/lab-protocols.md. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be the name of an environment variable (letters, digits and _)');
const urlWith = (protocols: string[]) =>
  z.string().refine((text) => {
    try {
      return protocols.includes(new URL(text).protocol.replace(/:$/, ''));
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`);
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:7412 (port 0: any free port)');
const experimentTimeout = finite.positive().optional();
/** A secret or lab profile the administrator registered in the service's configuration. */
const registeredName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/, 'must be a registered name (letters, digits, _ . -, up to 64)');

/** TLS to a robot or broker whose certificate a private CA signed (issue 19). */
const privateCaSchema = z
  .strictObject({
    ca_file: nonEmpty.optional().describe('PEM file of the certificate authorities to trust for this lab (relative to the campaign file, inside its data folders)'),
    server_name: nonEmpty.optional().describe('The name the certificate must carry when it is not the host of the URL'),
  })
  .describe('TLS settings for an https:// robot or an mqtts:// / wss:// broker; without them the system\'s trusted roots verify the certificate');

const httpLabSchema = z.strictObject({
  type: z.literal('http'),
  url: urlWith(['http', 'https']),
  tls: privateCaSchema.optional(),
  auth: z
    .strictObject({
      header: nonEmpty.default('Authorization'),
      value_env: envName.optional(),
      secret: registeredName.optional().describe('A secret registered in the service configuration, instead of value_env'),
    })
    .refine((a) => (a.value_env === undefined) !== (a.secret === undefined), 'give value_env or secret (one of them)')
    .optional(),
  results: z.enum(['poll', 'callback']).default('poll'),
  poll_interval_ms: z.int().positive().default(1000),
  request_timeout_ms: z.int().positive().default(10_000),
  secret_env: envName.optional(),
  callback_secret: registeredName.optional().describe('A secret registered in the service configuration holding the callback key, instead of secret_env'),
  callback_url: urlWith(['http', 'https']).optional(),
  callback_listen: hostPort.optional(),
  experiment_timeout_s: experimentTimeout,
  pause_after_unhealthy_s: z.number().positive().default(300).describe('How long the robot may stay unreachable, busy or refusing our credentials before the campaign pauses (experiments are held, never failed, meanwhile)'),
  capacity: z.int().positive().optional(),
}).refine((lab) => lab.tls === undefined || lab.url.startsWith('https://'), { path: ['tls'], message: 'applies to an https:// url only' });

const mqttLabSchema = z.strictObject({
  type: z.literal('mqtt'),
  broker: urlWith(['mqtt', 'mqtts', 'ws', 'wss']),
  tls: privateCaSchema.optional(),
  topic_prefix: z
    .string()
    .regex(/^[^#+/][^#+]*[^#+/]$|^[^#+/]$/, 'must be a topic without wildcards (+, #) and without a leading or trailing /')
    .default('athanor/lab'),
  username: z.string().optional(),
  password_env: envName.optional(),
  password_secret: registeredName.optional().describe('A secret registered in the service configuration holding the password, instead of password_env'),
  client_id: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1–64 letters, digits, _ . or -').optional(),
  request_timeout_ms: z.int().positive().default(5000),
  experiment_timeout_s: experimentTimeout,
  pause_after_unhealthy_s: z.number().positive().default(300).describe('How long the robot may stay unreachable, busy or refusing our credentials before the campaign pauses (experiments are held, never failed, meanwhile)'),
  command_expiry_s: z.number().positive().default(60).describe('A command the robot has not taken this long after it was sent is not to be run (MQTT 5 message expiry and expiresAt in the command)'),
  secret_env: envName.optional().describe('Variable holding the HMAC key results are signed with; with it (or results_secret) unsigned results are refused and quarantined'),
  results_secret: registeredName.optional().describe('A secret registered in the service configuration holding the HMAC key results are signed with, instead of secret_env'),
  capacity: z.int().positive().optional(),
}).refine((lab) => lab.tls === undefined || /^(mqtts|wss):\/\//.test(lab.broker), { path: ['tls'], message: 'applies to an mqtts:// or wss:// broker only' });

const sila2LabSchema = z.strictObject({
  type: z.literal('sila2'),
  address: hostPort.describe('host:port of the SiLA 2 server (gRPC)'),
  access_token_env: envName.optional().describe('Variable holding the AuthorizationService access token sent as SiLA client metadata'),
  access_token_secret: registeredName.optional().describe('A secret registered in the service configuration holding the access token, instead of access_token_env'),
  tls: z
    .union([z.literal(true), z.strictObject({ ca_file: nonEmpty.optional(), server_name: nonEmpty.optional() })])
    .optional()
    .describe('TLS: true (the system\'s trusted roots) or the PEM file of the roots to trust; without it the connection is plaintext, allowed only to a loopback address unless plaintext: true'),
  plaintext: z.boolean().default(false).describe('Allow a plaintext connection to a server off this machine'),
  lock: z.boolean().default(true).describe('Lock the server for the campaign (LockController)'),
  lock_timeout_s: z.int().positive().default(60),
  request_timeout_ms: z.int().positive().default(10_000),
  experiment_timeout_s: experimentTimeout,
  pause_after_unhealthy_s: z.number().positive().default(300).describe('How long the server may stay unreachable, full, locked by another client or refusing our token before the campaign pauses (experiments are held, never failed, meanwhile)'),
  capacity: z.int().positive().optional(),
});

const filesLabSchema = z.strictObject({
  type: z.literal('files'),
  folder: nonEmpty,
  plate_wells: z.union([z.literal(24), z.literal(48), z.literal(96), z.literal(384)], { error: 'must be 24, 48, 96 or 384' }).optional(),
  batch_window_ms: z.int().nonnegative().default(500),
  poll_interval_ms: z.int().positive().default(500),
  settle_ms: z.int().nonnegative().default(1000),
  experiment_timeout_s: experimentTimeout,
  pause_after_unhealthy_s: z.number().positive().default(300).describe('How long outbox/ or inbox/ may stay unusable (not a writable folder) before the campaign pauses (experiments are held, never failed, meanwhile)'),
  capacity: z.int().positive().optional(),
});

const emulatorLabSchema = z.strictObject({
  type: z.literal('emulator'),
  dataset: nonEmpty,
  columns: columnsSchema,
  results: z.record(identifier, nonEmpty),
  neighbours: z.int().positive().max(100).optional(),
  noise_sd: finite.nonnegative().default(0),
  latency_ms: finite.nonnegative().default(0),
  failure_rate: finite.min(0).max(1).default(0),
  capacity: z.int().positive().optional(),
});

const analyticLabSchema = z.strictObject({
  type: z.literal('analytic'),
  function: z.enum(['peaks', 'branin', 'hartmann6', ...MULTI_ANALYTIC_FUNCTIONS]).default('peaks'),
  noise_sd: finite.nonnegative().default(0),
  latency_ms: finite.nonnegative().default(0),
  failure_rate: finite.min(0).max(1).default(0),
  missing_rate: finite.min(0).max(1).default(0).describe('Multi-objective problems: probability that each target is left out of a result (one is always kept)'),
  capacity: z.int().positive().optional(),
});

const profileLabSchema = z
  .strictObject({
    type: z.literal('profile'),
    profile: registeredName,
    capacity: z.int().positive().optional(),
    experiment_timeout_s: experimentTimeout,
  })
  .describe('A robot lab the administrator registered in the service configuration (its URL, broker or folder and its secrets live there)');

/** What a lab profile in the service's configuration may be. */
export const robotLabSchema = z.discriminatedUnion('type', [httpLabSchema, mqttLabSchema, filesLabSchema, sila2LabSchema]);

/** New lab types are new members here (and of LabSpec in types.ts). */
export const labSchema = z.discriminatedUnion('type', [
  simulatorLabSchema,
  emulatorLabSchema,
  analyticLabSchema,
  httpLabSchema,
  mqttLabSchema,
  filesLabSchema,
  sila2LabSchema,
  profileLabSchema,
]);

/** Every `lab.type`, read from the union above: the one list of lab types. */
export const LAB_TYPES: readonly LabSpec['type'][] = labSchema.options.map((o) => o.shape.type.value);

/** Lab types a robot speaks: what a lab profile may be, and the reference robot's protocols. */
export const ROBOT_LAB_TYPES: readonly RobotLabSpec['type'][] = robotLabSchema.options.map((o) => o.shape.type.value);

/**
 * Prior data (docs/transfer.md): an earlier campaign of the same database, or a CSV of historical
 * experiments mapped onto the space like a scope table. `task: same` rows join the training set;
 * `related` rows (the default) feed a multi-task surrogate that learns how far to trust them.
 */
const priorTaskSchema = z.enum(['same', 'related']).default('related');
const priorFileSchema = z.strictObject({
  name: safeText({ max: 200 }).trim().min(1, 'must not be empty').optional(),
  file: nonEmpty,
  columns: columnsSchema.describe('Every parameter → the column holding it (matched like a scope table)'),
  results: columnsSchema.describe('Measured quantity → the column holding it'),
  task: priorTaskSchema,
  task_column: nonEmpty.optional().describe('A column naming the task of each row: each distinct value is its own source'),
});
const priorCampaignSchema = z.strictObject({
  name: safeText({ max: 200 }).trim().min(1, 'must not be empty').optional(),
  campaign: nonEmpty.describe("An earlier campaign's id or name, in the same database"),
  task: priorTaskSchema,
});
export const priorSourceSchema = z.union([priorFileSchema, priorCampaignSchema]);

export const campaignSpecSchema = z.strictObject({
  name: safeText({ max: 200 }).trim().min(1, 'must not be empty'),
  description: safeText({ max: 10_000, multiline: true }).optional(),
  objective: objectiveSchema,
  space: spaceSchema.describe('Parameters (substances by role, numeric, categorical), forbidden combinations, optional scope table'),
  budget: budgetSchema.describe('How many experiments in all, and how many the planner proposes at a time'),
  seed: z.int32().default(0).describe('Seed for every random choice of the campaign (a 32-bit integer)'),
  planner: plannerSchema.default(() => plannerSchema.parse({})),
  lab: labSchema.describe('Where experiments run; discriminated by type'),
  prior: z.array(priorSourceSchema).max(50).optional().describe('Prior data: earlier campaigns and CSV files of historical experiments (docs/transfer.md)'),
});

export type CampaignSpecInput = z.input<typeof campaignSpecSchema>;

// The hand-written types in types.ts are what readers and callers see; these two lines keep them
// equal to what the schema really produces.
type Output = z.output<typeof campaignSpecSchema>;
const _outputIsSpec = (o: Output): CampaignFileSpec => o;
const _specIsOutput = (s: CampaignFileSpec): Output => s;
void _outputIsSpec;
void _specIsOutput;

export function rangeCount(min: number, max: number, step: number): number {
  // The epsilon keeps 0.1-steps from losing their last value to floating-point error.
  return Math.floor((max - min) / step + 1e-9) + 1;
}

export function expandRange(min: number, max: number, step: number): number[] {
  const n = rangeCount(min, max, step);
  // toPrecision(12) turns 0.30000000000000004 back into 0.3 so values compare equal to the
  // numbers a dataset column holds.
  return Array.from({ length: n }, (_, i) => Number((min + i * step).toPrecision(12)));
}
