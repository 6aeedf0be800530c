import { DataFolders, OUTSIDE_DATA_FOLDERS, OutsideDataFoldersError } from '../util/data-folders.js';
import { CampaignSpecError, formatPath, type IssueList, type PathSegment } from './errors.js';
import type { CampaignSpec } from './types.js';

/* Every file and folder a campaign names, and their confinement to the campaign's data folders
 * (src/util/data-folders.ts). Validation checks them before the tables are read; the runtime asks
 * for each path again through confinedSpecPath right before it opens it, so a link placed after
 * validation is refused too. */

export interface SpecPath {
  at: PathSegment[];
  /** As written in the file: relative to baseDir, or absolute. */
  value: string;
}

/** Every path field of the spec. A new path field in the format must be listed here. */
export function specPaths(spec: CampaignSpec): SpecPath[] {
  const out: SpecPath[] = [];
  if (spec.space.scope) out.push({ at: ['space', 'scope', 'file'], value: spec.space.scope.file });
  const forwardModel = spec.planner.discovery?.forward_model;
  if (typeof forwardModel === 'string') out.push({ at: ['planner', 'discovery', 'forward_model'], value: forwardModel });
  const lab = spec.lab;
  if (lab.type === 'simulator' || lab.type === 'emulator') out.push({ at: ['lab', 'dataset'], value: lab.dataset });
  if (lab.type === 'files') out.push({ at: ['lab', 'folder'], value: lab.folder });
  (spec.prior ?? []).forEach((entry, i) => {
    if ('file' in entry) out.push({ at: ['prior', i, 'file'], value: entry.file });
  });
  return out;
}

/** The folders the campaign's files must be inside: as recorded at validation, else its own folder. */
export function specDataFolders(spec: Pick<CampaignSpec, 'baseDir' | 'dataFolders'>): DataFolders {
  return new DataFolders(spec.dataFolders && spec.dataFolders.length > 0 ? spec.dataFolders : [spec.baseDir]);
}

/**
 * The real path of one of the spec's paths, or a CampaignSpecError naming the field. Call it right
 * before the I/O and do the I/O on what it returns.
 */
export async function confinedSpecPath(spec: Pick<CampaignSpec, 'baseDir' | 'dataFolders'>, at: readonly PathSegment[], value: string): Promise<string> {
  try {
    return await specDataFolders(spec).require(value, formatPath(at), spec.baseDir);
  } catch (error) {
    if (error instanceof OutsideDataFoldersError) throw new CampaignSpecError([{ path: formatPath(at), message: OUTSIDE_DATA_FOLDERS }]);
    throw error;
  }
}

/**
 * Checks every path of the spec, adding one issue per path outside the data folders (the same
 * words whether it exists or not). Returns the real path of each confined one, by dotted field:
 * the only paths the file checks may open.
 */
export async function confineSpecPaths(spec: CampaignSpec, issues: IssueList): Promise<Map<string, string>> {
  const folders = specDataFolders(spec);
  const confined = new Map<string, string>();
  for (const { at, value } of specPaths(spec)) {
    const real = await folders.confine(value, spec.baseDir);
    if (real === undefined) issues.add(at, OUTSIDE_DATA_FOLDERS);
    else confined.set(formatPath(at), real);
  }
  return confined;
}
