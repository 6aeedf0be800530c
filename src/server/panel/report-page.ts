/**
 * The printable campaign report: what was achieved (the best recipes with their conditions), how
 * fast (best so far against random search and the dataset's top 1 %), how far the model can be
 * trusted (its held-out accuracy), and what the planner tried. One HTML page; panel.css styles it
 * for paper too (@media print).
 */
import { html, raw } from 'hono/html';
import type { Principal } from '../../auth/index.js';
import type { ModelVersionInfo } from '../../db/index.js';
import { conditionsText, rankedByResult, type CampaignRecords } from '../campaign-records.js';
import type { CampaignView } from '../services.js';
import { strategyName } from './campaign-page.js';
import { fmt, withUnit } from './format.js';
import { panelLayout } from './layout.js';
import { bestSoFarSvg } from './plots.js';
import type { ParetoView } from '../pareto-view.js';
import { paretoSection } from './pareto-section.js';

export const REPORT_TOP = 10;

export interface ReportData {
  view: CampaignView;
  data: CampaignRecords;
  models: ModelVersionInfo[];
  random: number[] | undefined;
  generatedAt: Date;
  /** A Pareto campaign's front: the report shows it, its hypervolume and the trade-offs instead of one best result. */
  pareto?: ParetoView;
}

/** Held-out accuracy of the newest model: its cross-validated R² and RMSE, in words. */
export function heldOutAccuracy(models: readonly ModelVersionInfo[], unit: string | null): string | undefined {
  const latest = models[0];
  if (!latest) return undefined;
  const r2 = latest.metrics.cv_r2;
  const rmse = latest.metrics.cv_rmse;
  if (r2 === undefined && rmse === undefined) return `model version ${latest.version} (${latest.kind}, trained on ${latest.trainingSize} results) reports no held-out accuracy`;
  return (
    `model version ${latest.version} (${latest.kind}, trained on ${latest.trainingSize} results): ` +
    `cross-validated R² ${fmt(r2, 2)}, RMSE ${withUnit(rmse, unit)} — each result predicted by a model that did not see it`
  );
}

export function reportPage(principal: Principal, r: ReportData) {
  const { view, data } = r;
  const { spec, parameters } = data;
  const target = view.target;
  const unit = view.unit;
  const ranked = rankedByResult(data);
  const top = ranked.slice(0, REPORT_TOP);
  const best = ranked[0];
  const strategies = new Map<string, number>();
  for (const rec of data.records) strategies.set(rec.strategy, (strategies.get(rec.strategy) ?? 0) + 1);
  const batches = new Set(data.records.map((rec) => rec.batch)).size;
  const excluded = data.records.filter((rec) => rec.excludedReason).length;
  const accuracy = heldOutAccuracy(r.models, unit);
  const svg = bestSoFarSvg({
    values: view.bestSoFar,
    budget: view.budget,
    target,
    unit,
    ...(r.random ? { random: r.random } : {}),
    ...(view.reference ? { reference: { value: view.reference.top1Threshold, label: 'top 1 % of dataset' } } : {}),
  });
  return panelLayout({
    title: `Report: ${view.name}`,
    principal,
    body: html`<article class="report" id="report">
<nav aria-label="Breadcrumb" class="crumbs no-print"><a href="/">Campaigns</a> › <a href="/campaigns/${view.campaignId}">${view.name}</a> ›</nav>
<div class="page-head"><h1>Campaign report: ${view.name}</h1>
<button type="button" class="no-print" data-print>Print or save as PDF</button></div>
<p class="muted small">Generated ${r.generatedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC · status ${view.status}${view.outcome ? ` (${view.outcome})` : ''} · ${view.experiments} of ${view.budget} experiments · ${view.counts.completed} with a result, ${view.counts.failed} failed, ${excluded} excluded from training</p>
${spec.description ? html`<p>${spec.description}</p>` : ''}

${
  r.pareto
    ? paretoSection({ pareto: r.pareto, parameters, budget: view.budget, search: '', sortable: false })
    : html`<section aria-labelledby="report-best" id="report-summary">
<h2 id="report-best">Best result</h2>
${
  best
    ? html`<p class="big-line"><strong>${withUnit(best.values[target], unit)}</strong> ${target}, experiment ${best.seq}:</p>
<p id="best-conditions">${conditionsText(parameters, best.parameters)}.</p>
${view.reference ? html`<p>The dataset's top 1 % starts at ${withUnit(view.reference.top1Threshold, unit)} (best ${withUnit(spec.objective.direction === 'maximize' ? view.reference.max : view.reference.min, unit)}); ${view.firstTop1At === null ? 'not reached' : `reached at experiment ${view.firstTop1At}`}.</p>` : ''}`
    : html`<p class="empty-state">No result yet.</p>`
}
</section>

<section aria-labelledby="report-progress"><h2 id="report-progress">Best so far</h2>
<figure>${raw(svg)}<figcaption class="small">Solid: this campaign${r.random ? '; dashed: random search, expected from the dataset' : ''}${view.reference ? '; dotted: top 1 % of the dataset' : ''}.</figcaption></figure>
</section>

<section aria-labelledby="report-top"><h2 id="report-top">Top ${Math.min(REPORT_TOP, top.length) || REPORT_TOP} results</h2>
${
  top.length === 0
    ? html`<p class="empty-state">No result yet.</p>`
    : html`<div class="table-wrap"><table id="report-top-table">
<thead><tr><th scope="col" class="num">Rank</th><th scope="col" class="num">Experiment</th>${parameters.map((p) => html`<th scope="col">${p.name}${p.kind === 'numeric' && p.unit ? ` (${p.unit})` : ''}</th>`)}<th scope="col" class="num">${target}${unit ? ` (${unit})` : ''}</th><th scope="col" class="num">Predicted when proposed</th></tr></thead>
<tbody>${top.map(
        (rec, i) => html`<tr><td class="num">${i + 1}</td><td class="num">${rec.seq}</td>${parameters.map((p) => html`<td>${String(rec.parameters[p.name] ?? '—')}</td>`)}<td class="num"><strong>${fmt(rec.values[target])}</strong></td><td class="num">${rec.predicted === null ? '—' : html`${fmt(rec.predicted)} ± ${fmt(rec.sigma)}`}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`
}

<section aria-labelledby="report-model"><h2 id="report-model">The model</h2>
<p>${accuracy ? `Held-out accuracy of ${accuracy}.` : 'No model was trained for this campaign.'}</p>
</section>

<section aria-labelledby="report-planner"><h2 id="report-planner">What the planner tried</h2>
<p>${data.records.length} experiments in ${batches} batch${batches === 1 ? '' : 'es'}, proposed by: ${[...strategies].map(([s, n]) => `${strategyName(s)} (${n})`).join(', ') || 'nothing yet'}.</p>
<p class="small muted">Planner settings: ${Object.entries(spec.planner as unknown as Record<string, unknown>)
        .filter(([, v]) => typeof v !== 'object')
        .map(([k, v]) => `${k.replace(/_/g, ' ')} ${String(v)}`)
        .join(', ')}.</p>
</section>
</article>`,
  });
}
