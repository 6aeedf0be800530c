/**
 * Request schemas (they validate) and response schemas (they document) of the HTTP API. Request
 * schemas reuse the campaign file's own zod schema wherever a campaign field is involved.
 */
import { z } from 'zod';
import { campaignSpecSchema } from '../../campaign/index.js';
import { safeText } from '../../util/safe-text.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable: invalid_id, unauthenticated, forbidden, campaign_not_found, invalid_campaign, no_model …'),
      message: z.string().describe('For people'),
      field: z.string().optional().describe('The request field at fault, as a dotted path'),
      issues: z
        .array(z.object({ path: z.string(), message: z.string(), line: z.int().optional() }))
        .optional()
        .describe('Every problem, when there are several (a campaign file, a CSV)'),
    }),
  })
  ;

// ----- path and query parameters

export const campaignParams = z.object({ id: z.string().regex(UUID, 'a campaign id is a UUID').describe('Campaign id') });

const experimentRef = z
  .string()
  .regex(/^(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i, 'an experiment is named by its number in the campaign or its UUID')
  .describe('The experiment number in the campaign (1, 2 …) or its UUID');

export const experimentParams = campaignParams.extend({ ref: experimentRef });

export function refValue(ref: string): string | number {
  return /^\d+$/.test(ref) ? Number(ref) : ref.toLowerCase();
}

const EXPERIMENT_STATUSES = ['planned', 'dispatched', 'running', 'completed', 'failed', 'cancelled'] as const;

export const experimentQuery = z.object({
  status: z
    .string()
    .regex(new RegExp(`^(${EXPERIMENT_STATUSES.join('|')})(,(${EXPERIMENT_STATUSES.join('|')}))*$`), `a comma-separated list of ${EXPERIMENT_STATUSES.join(', ')}`)
    .optional()
    .describe('Only experiments with these statuses, e.g. `planned,dispatched`'),
  batch: z.coerce.number().int().positive().optional().describe('Only this planning batch'),
});

export const eventsQuery = z.object({
  after: z.coerce.number().int('after must be a non-negative integer').nonnegative('after must be a non-negative integer').default(0).describe('Only events with a larger id'),
});

export const depictionQuery = z.object({
  smiles: z.string().max(2_000).describe('The molecule as SMILES'),
  highlight: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'a comma-separated list of atom indices')
    .optional()
    .describe('Atom indices to highlight, e.g. `0,1,5`'),
  weights: z
    .string()
    .regex(/^-?\d*\.?\d+(e-?\d+)?(,-?\d*\.?\d+(e-?\d+)?)*$/i, 'a comma-separated list of numbers, one per atom')
    .optional()
    .describe('Signed weight per atom, in atom order (red raises, blue lowers)'),
  width: z.coerce.number().int().min(40).max(1200).default(240),
  height: z.coerce.number().int().min(40).max(1200).default(180),
});

export const landscapeQuery = z.object({
  x: z.string().min(1).optional().describe('Parameter across (default: the first)'),
  y: z.string().min(1).optional().describe('Parameter down (default: the second)'),
});

export const attributionQuery = z.object({
  role: z.string().min(1).optional().describe('Substance role to explain (default: the first with a molecule)'),
});

// ----- bodies

export const settingsBody = z
  .strictObject({
    budget: campaignSpecSchema.shape.budget.partial().optional().describe('New experiment budget and/or batch size'),
    planner: campaignSpecSchema.shape.planner.unwrap().partial().optional().describe('Planner settings, as in the campaign file'),
  })
  .refine((b) => b.budget !== undefined || b.planner !== undefined, 'give budget and/or planner');

/** Why an operator did something: stored in events, shown in the panel and the log. */
const reasonText = safeText({ max: 500, multiline: true });

export const stopBody = z.strictObject({ reason: reasonText.optional() }).optional();

export const reasonBody = z.strictObject({ reason: reasonText.trim().min(1, 'say why') });

export const quarantineParams = campaignParams.extend({ quarantineId: z.string().regex(UUID, 'a quarantined report is named by its UUID').describe('The quarantined report\'s id (GET …/quarantine)') });

export const assignBody = z.strictObject({
  experiment: z.union([z.int().positive(), z.string().regex(UUID, 'an experiment UUID')]).describe('Experiment number in the campaign, or its UUID: one without a result'),
  reason: reasonText.trim().optional(),
});

export const cancelBody = z.strictObject({ reason: reasonText.trim().optional() }).optional();

const resultEntry = z.strictObject({
  experiment: z.union([z.int().positive(), z.string().regex(UUID, 'an experiment UUID')]).describe('Experiment number in the campaign, or its UUID'),
  values: z.record(z.string(), z.number()).describe("Measured quantity → value; must include the objective's target"),
});

export const resultsBody = z.strictObject({ results: z.array(resultEntry).min(1).max(1_000) });

export const predictionsBody = z.strictObject({
  candidates: z
    .array(z.strictObject({ parameters: z.record(z.string(), z.union([z.string(), z.number()])).describe('Parameter → choice name or number') }))
    .min(1)
    .max(500),
});

export const sessionBody = z.strictObject({ token: z.string().min(1).max(200) });

export const campaignFileSchema = campaignSpecSchema;

// ----- responses (documentation only)

export const summarySchema = z
  .object({
    campaignId: z.string(),
    name: z.string(),
    status: z.enum(['created', 'running', 'paused', 'completed', 'stopped', 'failed']),
    state: z.string().nullable().describe('The campaign machine state when it runs in this process, e.g. running.awaiting'),
    outcome: z.string().nullable(),
    budget: z.int(),
    experiments: z.int().describe('Experiments counted against the budget (all but cancelled)'),
    counts: z.record(z.string(), z.int()),
    target: z.string(),
    direction: z.enum(['maximize', 'minimize', 'match']).describe('Which way is better for the target (match: a value within a tolerance)'),
    unit: z.string().nullable(),
    bestYield: z.number().nullable().describe('Deprecated: the same as best.value, whatever the target is (kept for existing clients)'),
    best: z
      .object({ target: z.string(), experiment: z.int(), value: z.number(), parameters: z.record(z.string(), z.union([z.string(), z.number()])) })
      .nullable()
      .describe("The best result by the campaign's objective (the earlier experiment on a tie)"),
    bestSoFar: z.array(z.number().nullable()),
    reference: z.object({}).passthrough().nullable(),
    firstTop1At: z.int().nullable(),
    firstMaxAt: z.int().nullable(),
    datasetBest: z.number().nullable().describe("The dataset's best value by the objective (simulated labs on a dataset), else null"),
  })
  ;

export const experimentSchema = z
  .object({
    id: z.string(),
    campaignId: z.string(),
    seq: z.int(),
    batch: z.int(),
    candidateKey: z.string(),
    parameters: z.record(z.string(), z.union([z.string(), z.number()])),
    substances: z.record(z.string(), z.string()),
    status: z.enum(['planned', 'dispatched', 'running', 'completed', 'failed', 'cancelled']),
    proposal: z.object({
      strategy: z.string(),
      rank: z.int(),
      reason: z.string(),
      mean: z.number().optional(),
      sigma: z.number().optional(),
      acquisition: z.number().optional(),
      products: z.array(z.object({ smiles: z.string(), probability: z.number(), observed: z.boolean().optional() })).optional().describe("What the candidate should give, best first (discovery campaigns: the forward model's products)"),
      approval: z.object({ by: z.string(), at: z.string(), auto: z.boolean().optional() }).optional().describe('Who approved it for dispatch at the approval gate (auto: the gate\'s timer)'),
      edits: z.array(z.object({ by: z.string(), at: z.string(), parameter: z.string(), from: z.union([z.string(), z.number()]), to: z.union([z.string(), z.number()]), reason: z.string().optional() })).optional().describe('Changes an operator made before dispatch'),
      rejection: z.object({ by: z.string(), at: z.string(), reason: z.string() }).optional().describe('Rejected at the approval gate: never proposed again'),
    }),
    dispatchCount: z.int(),
    failureReason: z.string().nullable(),
  })
  ;

export const eventSchema = z
  .object({ id: z.int(), campaignId: z.string().nullable(), type: z.string(), actor: z.string(), payload: z.record(z.string(), z.unknown()), at: z.string() })
  ;

export const resultSchema = z
  .object({
    experimentId: z.string(),
    seq: z.int(),
    values: z.record(z.string(), z.number()),
    source: z.string(),
    excludedReason: z.string().nullable(),
    receivedAt: z.string(),
    raw: z.unknown().optional().describe('The payload exactly as the lab sent it, extra fields included (with ?raw=true)'),
  })
  ;

export const resultsQuery = z.object({
  raw: z.enum(['true', 'false']).optional().describe('`true`: each result with the payload exactly as the lab sent it (its extra fields: operator, instrument, …)'),
});

export const entryOutcomeSchema = z.object({
  experiment: z.union([z.int(), z.string()]),
  outcome: z.enum(['stored', 'duplicate', 'conflict', 'quarantined']).describe('`conflict`: a repeat with different values; the stored result stands and this report is quarantined'),
  seq: z.int().optional(),
  reason: z.string().optional(),
});

export const modelVersionSchema = z
  .object({
    version: z.int(),
    kind: z.string(),
    featurizerVersion: z.string(),
    backend: z.string(),
    trainingSize: z.int(),
    metrics: z.record(z.string(), z.number()),
    createdAt: z.string(),
  })
  ;

export const predictionSchema = z.object({
  parameters: z.record(z.string(), z.union([z.string(), z.number()])),
  mean: z.number(),
  sigma: z.number().describe('Total predictive standard deviation'),
  epistemic: z.number().optional(),
  aleatoric: z.number().optional(),
});
