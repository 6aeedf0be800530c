import { resolve } from 'node:path';
import type { CampaignSpec } from './types.js';

/** Paths in a campaign file are relative to the file, not to wherever the command runs. */
export function resolveSpecPath(spec: Pick<CampaignSpec, 'baseDir'>, relative: string): string {
  return resolve(spec.baseDir, relative);
}
