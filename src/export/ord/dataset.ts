/**
 * A campaign as an Open Reaction Database Dataset: one ORD Reaction per experiment with a stored
 * result, as a plain object in the shape of the ORD messages (field names in protobufjs'
 * camelCase, enum values by name). schema.ts turns it into messages; validate.ts checks it.
 *
 * What maps where:
 * - each substance role → an input (its key is the role) with one component: the chosen
 *   substance's SMILES, its name (a CAS number when the name is one) and a reaction role read from
 *   the campaign's role name (solvent → SOLVENT; catalyst, ligand, precatalyst, metal → CATALYST;
 *   base, additive, reagent, activator, acid → REAGENT; anything else REACTANT). Campaign files
 *   give no amounts, so every amount is "unmeasured" with that said in its details.
 * - a numeric parameter named like a temperature with a temperature unit → conditions.temperature;
 *   one named like a time with a time unit → the outcome's reaction_time; every other condition
 *   → the reaction's procedure notes (in words) and provenance.reaction_metadata (as data).
 * - the measured quantities → measurements of one desired product: a yield in % as YIELD,
 *   others as CUSTOM measurements named after the quantity, all against one analysis naming the lab.
 * - the experimenter (name, e-mail: the ORD requires an e-mail) → provenance.record_created,
 *   at the time the result was stored; experiment_start is when it was handed to the lab.
 * Results excluded from training are exported too, with the reason in the notes; experiments
 * without a result are not (ORD reactions need an outcome).
 */
import type { CampaignSpec, ParameterInfo } from '../../campaign/index.js';
import { Objective } from '../../objectives/objective.js';

export interface OrdExperimenter {
  name?: string;
  email: string;
  orcid?: string;
}

/** One experiment with its result, as the export reads it. */
export interface OrdExperiment {
  id: string;
  seq: number;
  parameters: Record<string, string | number>;
  /** role → canonical SMILES ('' = none) */
  smiles: Record<string, string>;
  values: Record<string, number>;
  excludedReason: string | null;
  /** the observed product's SMILES when the lab reported one (raw.product) */
  product?: string;
  dispatchedAt: Date | null;
  resultStoredAt: Date;
}

export interface OrdCampaign {
  id: string;
  name: string;
  description?: string;
  spec: CampaignSpec;
  parameters: ParameterInfo[];
  quantities: string[];
}

type Obj = Record<string, unknown>;

const ROLE_RULES: [RegExp, string][] = [
  [/solvent/i, 'SOLVENT'],
  [/cataly|ligand|metal|precat|palladium|\bpd\b/i, 'CATALYST'],
  [/base|additive|reagent|activator|acid|oxidant|reductant|promoter|coupling/i, 'REAGENT'],
];

export function ordRoleOf(role: string): string {
  return ROLE_RULES.find(([pattern]) => pattern.test(role))?.[1] ?? 'REACTANT';
}

const CAS = /^\d{2,7}-\d{2}-\d$/;
const TEMPERATURE_UNITS: Record<string, string> = { '°c': 'CELSIUS', c: 'CELSIUS', degc: 'CELSIUS', celsius: 'CELSIUS', k: 'KELVIN', kelvin: 'KELVIN', '°f': 'FAHRENHEIT', f: 'FAHRENHEIT' };
const TIME_UNITS: Record<string, string> = { s: 'SECOND', sec: 'SECOND', second: 'SECOND', seconds: 'SECOND', min: 'MINUTE', minute: 'MINUTE', minutes: 'MINUTE', h: 'HOUR', hr: 'HOUR', hour: 'HOUR', hours: 'HOUR', d: 'DAY', day: 'DAY', days: 'DAY' };

type NumericInfo = Extract<ParameterInfo, { kind: 'numeric' }>;

function temperatureUnit(p: NumericInfo): string | undefined {
  return /temp/i.test(p.name) && p.unit ? TEMPERATURE_UNITS[p.unit.trim().toLowerCase()] : undefined;
}
function timeUnit(p: NumericInfo): string | undefined {
  return /time|duration|residence/i.test(p.name) && p.unit ? TIME_UNITS[p.unit.trim().toLowerCase()] : undefined;
}

function substanceInput(role: string, choice: string, smiles: string): Obj {
  const identifiers: Obj[] = [{ type: 'SMILES', value: smiles }];
  if (choice !== smiles && choice.trim() !== '') identifiers.push(CAS.test(choice) ? { type: 'CAS_NUMBER', value: choice } : { type: 'NAME', value: choice.trim() });
  return {
    components: [
      {
        identifiers,
        amount: { unmeasured: { type: 'CUSTOM', details: 'amount not recorded by the Athanor campaign' } },
        reactionRole: ordRoleOf(role),
      },
    ],
  };
}

function measurement(quantity: string, value: number, unit: string | undefined, analysisKey: string): Obj {
  const percent = unit?.trim() === '%';
  if (percent && /yield/i.test(quantity)) return { analysisKey, type: 'YIELD', percentage: { value } };
  const details = unit && !percent ? `${quantity} (${unit})` : quantity;
  return { analysisKey, type: 'CUSTOM', details, ...(percent ? { percentage: { value } } : { floatValue: { value } }) };
}

function conditionText(p: ParameterInfo, value: string | number): string {
  return `${p.name} ${String(value)}${p.kind === 'numeric' && p.unit ? ` ${p.unit}` : ''}`;
}

function labDescription(spec: CampaignSpec): { platform: string; simulated: string | undefined } {
  const lab = spec.lab;
  if (lab.type === 'simulator') return { platform: 'Athanor dataset simulator', simulated: `Simulated: the result was looked up in the dataset ${lab.dataset}, not measured for this record.` };
  if (lab.type === 'emulator') return { platform: 'Athanor dataset emulator', simulated: `Simulated: the result was predicted by an emulator fitted on ${lab.dataset}, not measured.` };
  if (lab.type === 'analytic') return { platform: 'Athanor analytic test function', simulated: `Simulated: the result is the ${lab.function} test function, not a measurement.` };
  return { platform: `Athanor ${lab.type} lab adapter`, simulated: undefined };
}

/** A reaction id in the ORD's form (ord-<32 hex digits>) from an experiment's UUID. */
export function ordReactionId(experimentId: string): string {
  return `ord-${experimentId.replace(/-/g, '').toLowerCase()}`;
}

export function ordDatasetId(campaignId: string): string {
  return `ord_dataset-${campaignId.replace(/-/g, '').toLowerCase()}`;
}

export function ordReaction(campaign: OrdCampaign, experiment: OrdExperiment, experimenter: OrdExperimenter): Obj {
  const { spec, parameters } = campaign;
  const units = Object.fromEntries(Objective.of(spec).targets.flatMap((t) => (t.unit ? [[t.name, t.unit] as const] : [])));
  const inputs: Obj = {};
  const notes: string[] = [`Athanor campaign "${campaign.name}", experiment ${experiment.seq}.`];
  const metadata: Obj = { athanor_campaign_id: { stringValue: campaign.id }, athanor_experiment: { integerValue: experiment.seq } };
  const conditions: Obj = {};
  let reactionTime: Obj | undefined;
  const otherConditions: string[] = [];
  for (const p of parameters) {
    const value = experiment.parameters[p.name];
    if (p.kind === 'substance') {
      const smiles = experiment.smiles[p.name] ?? '';
      if (smiles !== '') inputs[p.name] = substanceInput(p.name, String(value ?? smiles), smiles);
      continue;
    }
    if (value === undefined || value === '') continue;
    const temperature = p.kind === 'numeric' ? temperatureUnit(p) : undefined;
    const time = p.kind === 'numeric' ? timeUnit(p) : undefined;
    if (temperature && conditions.temperature === undefined) {
      conditions.temperature = { control: { type: 'CUSTOM', details: 'set by the lab' }, setpoint: { value: Number(value), units: temperature } };
    } else if (time && reactionTime === undefined) {
      reactionTime = { value: Number(value), units: time };
    } else {
      otherConditions.push(conditionText(p, value));
      metadata[p.name] = typeof value === 'number' ? { floatValue: value } : { stringValue: value };
    }
  }
  if (otherConditions.length > 0) notes.push(`Conditions: ${otherConditions.join(', ')}.`);
  const { platform, simulated } = labDescription(spec);
  if (simulated) notes.push(simulated);
  if (experiment.excludedReason) notes.push(`Excluded from the campaign's model by an operator: ${experiment.excludedReason}.`);

  const analysisKey = spec.lab.type;
  const measurements = campaign.quantities
    .filter((q) => Number.isFinite(experiment.values[q]))
    .map((q) => measurement(q, experiment.values[q]!, units[q], analysisKey));
  const productIdentifiers = experiment.product
    ? [{ type: 'SMILES', value: experiment.product }]
    : [{ type: 'NAME', value: `the intended product of ${campaign.name}` }];
  const outcome: Obj = {
    ...(reactionTime ? { reactionTime } : {}),
    products: [{ identifiers: productIdentifiers, isDesiredProduct: true, reactionRole: 'PRODUCT', measurements }],
    analyses: { [analysisKey]: { type: 'CUSTOM', details: `as reported by the campaign's lab (${platform})` } },
  };
  const person: Obj = { email: experimenter.email, ...(experimenter.name ? { name: experimenter.name } : { username: experimenter.email.split('@')[0] }), ...(experimenter.orcid ? { orcid: experimenter.orcid } : {}) };
  const stored = experiment.resultStoredAt.toISOString();
  const started = experiment.dispatchedAt && experiment.dispatchedAt <= experiment.resultStoredAt ? experiment.dispatchedAt.toISOString() : undefined;
  return {
    reactionId: ordReactionId(experiment.id),
    inputs,
    setup: { isAutomated: true, automationPlatform: platform },
    ...(Object.keys(conditions).length > 0 ? { conditions } : {}),
    notes: { procedureDetails: notes.join(' ') },
    outcomes: [outcome],
    provenance: {
      ...(started ? { experimentStart: { value: started } } : {}),
      recordCreated: { time: { value: stored }, person, details: 'exported from Athanor' },
      reactionMetadata: metadata,
    },
  };
}

export function ordDataset(campaign: OrdCampaign, experiments: readonly OrdExperiment[], experimenter: OrdExperimenter): Obj {
  const description = (campaign.description ?? '').trim() || `Experiments of the Athanor campaign "${campaign.name}" (${campaign.spec.objective.direction ?? 'optimise'} ${campaign.spec.objective.target ?? campaign.quantities.join(', ')}).`;
  return {
    name: campaign.name,
    description,
    datasetId: ordDatasetId(campaign.id),
    reactions: experiments.map((e) => ordReaction(campaign, e, experimenter)),
  };
}
