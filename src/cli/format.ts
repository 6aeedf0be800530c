/** Human-readable lines for the terminal. */
import type { CampaignSummary } from '../agent/index.js';

export function formatValue(value: number | null | undefined, unit: string | null): string {
  if (value === null || value === undefined) return '—';
  const text = Math.abs(value) >= 100 ? value.toFixed(1) : value.toFixed(2);
  return unit ? (unit === '%' ? `${text} %` : `${text} ${unit}`) : text;
}

export function formatParameters(parameters: Record<string, string | number>): string {
  return Object.entries(parameters)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/** `findings`: lines that replace the best-result ones (a discovery campaign reports its map instead). */
export function formatSummary(summary: CampaignSummary, location: string, findings?: string[]): string {
  const { counts } = summary;
  const lines = [
    `Campaign ${summary.campaignId} "${summary.name}": ${summary.status}${summary.outcome ? ` (${summary.outcome})` : ''}`,
    `  experiments   ${summary.experiments} of ${summary.budget} (${counts.completed} completed, ${counts.failed} failed, ${counts.cancelled} cancelled, ${counts.dispatched + counts.running} in the lab)`,
  ];
  if (findings) {
    lines.push(...findings);
  } else if (summary.best) {
    lines.push(`  best ${summary.target.padEnd(8)} ${formatValue(summary.best.value, summary.unit)} at experiment ${summary.best.experiment}`);
    lines.push(`    conditions  ${formatParameters(summary.best.parameters)}`);
  } else {
    lines.push(`  best ${summary.target.padEnd(8)} no result yet`);
  }
  if (summary.reference && !findings) {
    const r = summary.reference;
    const randomDraws = ((r.count + 1) / (r.top1Count + 1)).toFixed(1);
    // "at least as good as": ≥ when maximising, ≤ when minimising, "within" when matching a value
    const comparison = summary.direction === 'minimize' ? '≤' : summary.direction === 'match' ? 'as close as' : '≥';
    lines.push(
      `  top-1 %       ${summary.target} ${comparison} ${formatValue(r.top1Threshold, summary.unit)} in the dataset: ` +
        (summary.firstTop1At === null ? 'not reached' : `first reached at experiment ${summary.firstTop1At}`) +
        ` (random search needs ${randomDraws} on average)`,
    );
    lines.push(
      `  dataset best  ${formatValue(summary.datasetBest, summary.unit)}: ` +
        (summary.firstMaxAt === null ? 'not reached' : `reached at experiment ${summary.firstMaxAt}`),
    );
  }
  lines.push(`  stored in     ${location}`);
  return lines.join('\n');
}
