/** Row lookups that answer 404 in the API's error shape. */
import { getExperiment, getExperimentBySeq, type ExperimentRow } from '../../db/index.js';
import { apiError } from '../errors.js';
import type { Services } from '../services.js';

export async function experimentOr404(services: Services, campaignId: string, ref: string | number): Promise<ExperimentRow> {
  const experiment = typeof ref === 'number' ? await getExperimentBySeq(services.db, campaignId, ref) : await getExperiment(services.db, ref);
  if (!experiment || experiment.campaignId !== campaignId) throw apiError(404, 'experiment_not_found', `the campaign has no experiment ${ref}`, 'ref');
  return experiment;
}
