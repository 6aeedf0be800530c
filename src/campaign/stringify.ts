import { stringify } from 'yaml';
import type { CampaignFileSpec, CampaignSpec } from './types.js';

/** The spec as a campaign file again (baseDir is where the file lives and dataFolders where its
 * files may be, not part of it). Reading the result with the same baseDir and data folders gives
 * back an equal spec. */
export function campaignSpecToYaml(spec: CampaignSpec): string {
  const { baseDir: _baseDir, dataFolders: _dataFolders, ...file } = spec;
  const content: CampaignFileSpec = file;
  return stringify(content, { lineWidth: 0 });
}
