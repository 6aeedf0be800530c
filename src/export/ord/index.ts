/**
 * A campaign's experiments as a validated Open Reaction Database Dataset, encoded as the ORD
 * distributes datasets (binary protobuf, gzipped: .pb.gz) or as the protobuf JSON mapping.
 */
import { measuredQuantities } from '../../agent/index.js';
import { specParameters } from '../../campaign/index.js';
import { listExperiments, listResults, type CampaignRow, type DbOrTx } from '../../db/index.js';
import { ordDataset, type OrdExperiment, type OrdExperimenter } from './dataset.js';
import { validateOrdDataset, type OrdValidation } from './validate.js';

export { ordDataset, ordReaction, ordRoleOf, ordReactionId, type OrdExperimenter, type OrdExperiment, type OrdCampaign } from './dataset.js';
export { ORD_EMAIL, ORD_ORCID, validateOrdDataset, type OrdValidation, type OrdFinding } from './validate.js';
export { ordTypes } from './schema.js';

export { decodeOrd, encodeOrd, ORD_FORMATS, type OrdFormat } from './codec.js';


/** Raised when the dataset breaks an ORD rule: a bug of the export or an input it cannot represent. */
export class OrdExportError extends Error {
  constructor(readonly validation: OrdValidation) {
    super(`the ORD export does not validate: ${validation.errors.slice(0, 3).map((e) => `${e.path || 'dataset'}: ${e.message}`).join('; ')}`);
  }
}

export interface OrdExport {
  dataset: Record<string, unknown>;
  reactions: number;
  validation: OrdValidation;
}

/** Every experiment of the campaign that has a stored result, as a Dataset that passes validation. */
export async function campaignOrdExport(db: DbOrTx, row: CampaignRow, experimenter: OrdExperimenter): Promise<OrdExport> {
  const spec = row.spec;
  const [experiments, results] = await Promise.all([listExperiments(db, row.id), listResults(db, row.id, { raw: true })]);
  const resultOf = new Map(results.map((r) => [r.experimentId, r]));
  const withResults = experiments.flatMap((e): OrdExperiment[] => {
    const result = resultOf.get(e.id);
    if (!result) return [];
    const raw = result.raw as { product?: unknown } | null;
    return [
      {
        id: e.id,
        seq: e.seq,
        parameters: e.parameters,
        smiles: e.substances,
        values: result.values,
        excludedReason: result.excludedReason,
        ...(typeof raw?.product === 'string' && raw.product !== '' ? { product: raw.product } : {}),
        dispatchedAt: e.dispatchedAt,
        resultStoredAt: result.receivedAt,
      },
    ];
  });
  const campaign = { id: row.id, name: row.name, ...(spec.description ? { description: spec.description } : {}), spec, parameters: specParameters(spec), quantities: measuredQuantities(spec) };
  const dataset = ordDataset(campaign, withResults, experimenter);
  const validation = validateOrdDataset(dataset);
  if (validation.errors.length > 0) throw new OrdExportError(validation);
  return { dataset, reactions: withResults.length, validation };
}
