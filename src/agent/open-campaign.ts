/**
 * Finds or creates the campaign a command asks for and readies a runner for it: the one place
 * where "new campaign" versus "resume campaign" is decided.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { CampaignSpec } from '../campaign/index.js';
import { describeMolecule, initChem } from '../chem/index.js';
import { createCampaign, findResumable, getCampaign, insertPriorResults, type CampaignRow, type Db, type MoleculeFacts } from '../db/index.js';
import { buildSpace } from '../planner/space-builder.js';
import { collectPriorData } from './prior-data.js';
import { SurrogateCampaignModel, type CampaignModelOptions } from './campaign-model.js';
import { buildRuntime } from './campaign-runtime.js';
import { CampaignRunner } from './campaign-runner.js';
import type { ServiceConfig } from './service-config.js';
import { CampaignNotFoundError } from './campaign-not-found.js';

/** Identifies a campaign file's content for --resume; where its files may be is not part of it
 * (campaigns recorded before dataFolders existed keep their hash). */
export function specHash(spec: CampaignSpec): string {
  const { dataFolders: _where, ...content } = spec;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

/** Facts of every substance of the space, recorded with the campaign (initChem must have been awaited). */
export function moleculesOf(spec: CampaignSpec): MoleculeFacts[] {
  const seen = new Map<string, MoleculeFacts>();
  for (const choices of Object.values(spec.space.substances)) {
    for (const smiles of Object.values(choices)) {
      if (!smiles.trim()) continue;
      const info = describeMolecule(smiles);
      seen.set(info.canonical, {
        smiles: info.canonical,
        heavyAtoms: info.heavyAtoms,
        formalCharge: info.formalCharge,
        fragments: info.fragments.length,
      });
    }
  }
  return [...seen.values()];
}

export { CampaignNotFoundError };

export interface OpenedCampaign {
  campaign: CampaignRow;
  runner: CampaignRunner;
  resumed: boolean;
}

/** `molecules`: the substances' facts when already computed (off this thread), else computed here. */
export async function createNewCampaign(db: Db, spec: CampaignSpec, source: string, actor: string, molecules?: MoleculeFacts[]): Promise<CampaignRow> {
  if (!molecules) await initChem();
  // prior data is read and mapped before the campaign exists: a source that does not map is an error, not a half-made campaign
  const prior = spec.prior && spec.prior.length > 0 ? await collectPriorData(db, spec, await buildSpace(spec)) : undefined;
  const created = await createCampaign(
    db,
    {
      id: randomUUID(),
      name: spec.name,
      spec,
      specSource: source,
      specHash: specHash(spec),
      seed: spec.seed,
      budget: spec.budget.experiments,
      batchSize: spec.budget.batch,
    },
    molecules ?? moleculesOf(spec),
    actor,
    prior ? (tx, row) => insertPriorResults(tx, row.id, prior.rows, prior.problems, actor) : undefined,
  );
  return created;
}

/** `modelOptions`: where the surrogate trains and by which retraining policy (the service passes a worker pool). */
export async function runnerFor(db: Db, campaign: CampaignRow, home: string, modelOptions: CampaignModelOptions = {}, config?: ServiceConfig): Promise<CampaignRunner> {
  const spec = campaign.spec;
  const runtime = await buildRuntime(spec, { campaignId: campaign.id, home, ...(config ? { config } : {}) });
  if (spec.planner.strategy === 'bayesian') {
    const model = new SurrogateCampaignModel(db, campaign.id, spec, runtime.space, modelOptions);
    await model.load();
    runtime.model = model;
  }
  return new CampaignRunner(db, campaign.id, spec, runtime);
}

export interface OpenRequest {
  spec?: CampaignSpec;
  source?: string;
  /** Continue the newest unfinished campaign made from the same spec. */
  resume?: boolean;
  /** Continue this campaign. */
  campaignId?: string;
  home: string;
  actor: string;
  /** Lab profiles and secrets the administrator registered (service-config.ts). */
  config?: ServiceConfig;
}

export async function openCampaign(db: Db, request: OpenRequest): Promise<OpenedCampaign> {
  let campaign: CampaignRow | undefined;
  if (request.campaignId) {
    campaign = await getCampaign(db, request.campaignId);
    if (!campaign) throw new CampaignNotFoundError(`no campaign has the id ${request.campaignId}`);
  } else if (request.resume && request.spec) {
    campaign = await findResumable(db, specHash(request.spec));
  }
  const resumed = campaign !== undefined;
  if (!campaign) {
    if (!request.spec) throw new Error('a campaign file is needed to start a new campaign');
    campaign = await createNewCampaign(db, request.spec, request.source ?? '', request.actor);
  }
  return { campaign, runner: await runnerFor(db, campaign, request.home, {}, request.config), resumed };
}
