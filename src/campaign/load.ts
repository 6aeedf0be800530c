import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { initChem } from '../chem/index.js';
import { checkSubstances } from './chem-checks.js';
import { checkSpec } from './checks.js';
import { CampaignSpecError, IssueList, formatPath, type CampaignIssue, type PathSegment } from './errors.js';
import { confineSpecPaths } from './confine.js';
import { checkFiles } from './file-checks.js';
import { checkLabAccess, type CampaignOrigin, type LabProfiles } from './lab-access.js';
import { detectFormat, parseSource, type ParsedSource, type SourceFormat } from './line-map.js';
import { campaignSpecSchema } from './schema.js';
import { checkSpaceSize, DEFAULT_MAX_CANDIDATES } from './space-size.js';
import type { CampaignSpec } from './types.js';
import { translateZodIssues } from './zod-issues.js';
import { findUnsafeLines, findUnsafeText } from '../util/safe-text.js';

export interface ParseOptions {
  /** Directory that relative paths in the spec resolve against (made absolute). */
  baseDir: string;
  /** Default: by fileName's extension, else JSON when the text starts with '{', else YAML. */
  format?: SourceFormat;
  /** For messages and format detection only; nothing is read from it. */
  fileName?: string;
  /** Folders besides baseDir that the campaign's files (datasets, scope tables, forward models,
   * file-drop folders) may be in; nothing outside baseDir and these is opened (confine.ts). */
  dataFolders?: readonly string[];
  /** 'api' for a campaign sent to the service: registered lab profiles only (lab-access.ts). Default 'file'. */
  origin?: CampaignOrigin;
  /** Lab profiles the administrator registered, for `lab: {type: profile}`. */
  profiles?: LabProfiles;
  /** The largest grid accepted (default DEFAULT_MAX_CANDIDATES; the service reads ATHANOR_MAX_CANDIDATES). */
  maxCandidates?: number;
}

/** Reads, parses and validates a campaign file. `source` is the text as read, for recording
 * alongside the campaign. */
export async function loadCampaignFile(
  path: string,
  options: Pick<ParseOptions, 'dataFolders' | 'profiles'> = {},
): Promise<{ spec: CampaignSpec; source: string }> {
  const absolute = resolve(path);
  let source: string;
  try {
    source = await readFile(absolute, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : String(e);
    throw new CampaignSpecError([{ path: '', message: `cannot read campaign file ${absolute}: ${why}` }], basename(absolute));
  }
  source = source.replace(/^\uFEFF/, '');
  const spec = await parseCampaignSpec(source, { ...options, baseDir: dirname(absolute), fileName: basename(absolute) });
  return { spec, source };
}

/** Validates in stages, each reporting everything it finds: syntax, then shape (zod), then how
 * the parts refer to each other, the chemistry and the tables. A later stage only runs on what
 * the earlier ones accepted, so it never has to guess at a malformed value. */
export async function parseCampaignSpec(text: string, opts: ParseOptions): Promise<CampaignSpec> {
  const { fileName } = opts;
  const parsed = parseSource(text, opts.format ?? detectFormat(text, fileName), fileName);
  const fail: (issues: { path: PathSegment[]; message: string }[]) => never = (issues) => {
    throw new CampaignSpecError(sortByLine(issues.map((i) => locate(i, parsed))), fileName);
  };

  if (parsed.data === null || parsed.data === undefined) fail([{ path: [], message: 'the file is empty' }]);
  // The values go into jsonb and the file is stored as written: neither can hold a NUL or a lone
  // surrogate. Values first, so the issue names the field; then the rest of the text (comments).
  const unsafe = findUnsafeText(parsed.data);
  if (unsafe.length > 0) fail(unsafe);
  const unsafeLines = findUnsafeLines(text);
  if (unsafeLines.length > 0) throw new CampaignSpecError(unsafeLines.map((u) => ({ path: '', message: u.message, line: u.line })), fileName);
  const shaped = campaignSpecSchema.safeParse(parsed.data);
  if (!shaped.success) fail(translateZodIssues(shaped.error.issues, campaignSpecSchema, parsed.data));

  const baseDir = resolve(opts.baseDir);
  const dataFolders = [...new Set([baseDir, ...(opts.dataFolders ?? []).map((f) => resolve(f))])];
  const spec: CampaignSpec = { ...shaped.data, baseDir, dataFolders };
  const issues = new IssueList();
  checkSpec(spec, issues);
  checkLabAccess(spec, issues, opts.origin ?? 'file', opts.profiles);
  checkSpaceSize(spec, opts.maxCandidates ?? DEFAULT_MAX_CANDIDATES, issues);
  // before anything is read: only paths inside the data folders reach the file checks
  const confined = await confineSpecPaths(spec, issues);
  await initChem();
  checkSubstances(spec, issues);
  await checkFiles(spec, issues, confined);
  if (!issues.empty) fail(issues.items);
  return spec;
}

function locate(issue: { path: PathSegment[]; message: string }, parsed: ParsedSource): CampaignIssue {
  const line = parsed.lineOf(issue.path);
  const out: CampaignIssue = { path: formatPath(issue.path), message: issue.message };
  if (line !== undefined) out.line = line;
  return out;
}

/** Top to bottom, as the reader will fix them; issues without a line keep their order at the end. */
function sortByLine(issues: CampaignIssue[]): CampaignIssue[] {
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.i - b.i)
    .map(({ issue }) => issue);
}
