/** One problem found in a campaign file. `path` is the dotted field path ("budget.batch",
 * "space.forbidden[0].ligand"); '' means the file as a whole. */
export interface CampaignIssue {
  path: string;
  message: string;
  line?: number;
}

export type PathSegment = string | number;

/** Dotted path with [n] for list positions, so "space.forbidden[0].ligand" reads like the file. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out === '' ? s : `.${s}`;
  }
  return out;
}

export function formatIssue(issue: CampaignIssue): string {
  const where = issue.path === '' ? 'campaign file' : issue.path;
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${where}${line}: ${issue.message}`;
}

/** Problems listed at most; the rest are counted in one last issue. */
export const MAX_REPORTED_ISSUES = 100;

/** Every validation failure of a campaign file, all at once: a chemist fixing a file should see
 * the whole list rather than one error per run. */
export class CampaignSpecError extends Error {
  readonly issues: CampaignIssue[];
  readonly fileName: string | undefined;

  constructor(issues: CampaignIssue[], fileName?: string) {
    // A file with 20,000 unknown keys needs the first ones fixed, not a 2 MB answer.
    const shown = issues.length > MAX_REPORTED_ISSUES
      ? [...issues.slice(0, MAX_REPORTED_ISSUES), { path: '', message: `… and ${issues.length - MAX_REPORTED_ISSUES} more problems` }]
      : issues;
    super(shown.map(formatIssue).join('\n'));
    this.name = 'CampaignSpecError';
    this.issues = shown;
    this.fileName = fileName;
  }
}

/** Collects issues during the checks that run after the schema; paths are given as segments so
 * the line lookup can walk the YAML tree. */
export class IssueList {
  readonly items: { path: PathSegment[]; message: string }[] = [];

  add(path: PathSegment[], message: string): void {
    this.items.push({ path, message });
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}
