/**
 * A discovery campaign asks which combinations react, not which is best: its overview counts the
 * reactions found among the combinations tried, and its progress plot is the number found after
 * each result (a best-so-far "reacted 1.00" says nothing once the first one reacts). Read from the
 * stored results alone, so a live refresh costs no model.
 */
import { html, raw } from 'hono/html';
import type { CampaignPageData } from './campaign-data.js';
import { bestSoFarSvg } from './plots.js';

export interface DiscoveryProgress {
  /** Combinations with a result that trains the map (excluded ones aside). */
  tried: number;
  reacted: number;
  /** Reactions found after each result, in experiment order. */
  found: number[];
}

export function discoveryProgress(d: Pick<CampaignPageData, 'spec' | 'results'>): DiscoveryProgress | undefined {
  if (d.spec.planner.strategy !== 'discovery') return undefined;
  const target = d.spec.objective.target;
  // the discovery planner's own rule (outcomesOf): reacted when the oriented value is at least 0.5
  const sign = d.spec.objective.direction === 'minimize' ? -1 : 1;
  const results = [...d.results.values()].filter((r) => r.excludedReason === null && typeof r.values[target] === 'number').sort((a, b) => a.seq - b.seq);
  const found: number[] = [];
  let reacted = 0;
  for (const r of results) {
    if (sign * r.values[target]! >= 0.5) reacted++;
    found.push(reacted);
  }
  return { tried: results.length, reacted, found };
}

export function discoveryFact(progress: DiscoveryProgress) {
  const share = progress.tried > 0 ? Math.round((100 * progress.reacted) / progress.tried) : 0;
  return html`<div class="fact" id="discovery-fact"><span class="fact-label">Reactions found</span> <strong class="big">${progress.reacted}</strong>
    <span class="small">of ${progress.tried} combination${progress.tried === 1 ? '' : 's'} tried${progress.tried > 0 ? ` (${share} %)` : ''}</span></div>`;
}

export function discoveryProgressSection(progress: DiscoveryProgress, budget: number) {
  const svg = bestSoFarSvg({
    values: progress.found,
    budget,
    target: 'reactions found',
    unit: null,
    id: 'reactions-found',
    title: 'Reactions found against experiments',
    yLabel: 'combinations found to react',
    valueName: 'number of combinations found to react',
  });
  return html`<section id="progress" data-live aria-labelledby="progress-h" class="card">
<h2 id="progress-h">Reactions found</h2>
<figure>${raw(svg)}<figcaption class="small muted">How many of the combinations tried so far reacted, after each result. The map of what reacts elsewhere is the planner's: see the proposals and the landscape.</figcaption></figure>
</section>`;
}
