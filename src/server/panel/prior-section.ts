/**
 * The campaign page's prior data (docs/transfer.md): which earlier campaigns and files the
 * campaign learns from, how many of their rows it uses, and how much the model trusts each
 * related source — the task correlation ρ the multi-task GP learned (1: moves with the campaign's
 * results, 0: unrelated, its rows stop mattering), or with a ranking-weighted ensemble the
 * source's weight (how often it ranks the campaign's own results best).
 */
import { html } from 'hono/html';
import type { PriorSummary } from '../../agent/index.js';

function trust(rho: number): string {
  const a = Math.abs(rho);
  const sign = rho < 0 ? ' (opposite)' : '';
  return a >= 0.7 ? `trusted${sign}` : a >= 0.3 ? `partly trusted${sign}` : 'barely used';
}

function weightTrust(weight: number): string {
  return weight >= 0.3 ? 'leads' : weight >= 0.05 ? 'partly used' : 'barely used';
}

type Source = PriorSummary['sources'][number];

function trustCell(s: Source) {
  if (s.task === 'same') return html`<span class="muted">joins the results</span>`;
  if (s.weight !== undefined) return html`<meter min="0" max="1" value="${s.weight.toFixed(2)}" title="weight ${s.weight.toFixed(2)}"></meter> <span class="corr">w ${s.weight.toFixed(2)}</span> <span class="muted small">${weightTrust(s.weight)}</span>`;
  if (s.correlation === undefined) return html`<span class="muted">no model yet</span>`;
  return html`<meter min="-1" max="1" value="${s.correlation.toFixed(2)}" title="${s.correlation.toFixed(2)}"></meter> <span class="corr">ρ ${s.correlation.toFixed(2)}</span> <span class="muted small">${trust(s.correlation)}</span>`;
}

function trustNote(prior: PriorSummary): string {
  if (prior.modelVersion === undefined) return '';
  if (prior.ownWeight !== undefined) {
    return `Weights from model v${prior.modelVersion} (ranking-weighted ensemble: how often each source ranks the campaign's own results best; the campaign's own model has ${prior.ownWeight.toFixed(2)}). `;
  }
  return `ρ from model v${prior.modelVersion} (multi-task GP, learned from the data by marginal likelihood). `;
}

export function priorSection(prior: PriorSummary | undefined) {
  if (!prior || prior.sources.length === 0) return '';
  return html`<section id="prior" data-live aria-labelledby="prior-h" class="card">
<h2 id="prior-h">Prior data <span class="muted small">(${prior.rows.length} rows from ${prior.sources.length} source${prior.sources.length === 1 ? '' : 's'}, none counted against the budget)</span></h2>
<table class="prior-sources">
<thead><tr><th scope="col">source</th><th scope="col">task</th><th scope="col" class="num">rows used</th><th scope="col" class="num">excluded</th><th scope="col" class="num">skipped at import</th><th scope="col" class="num">trust (ρ or weight)</th></tr></thead>
<tbody>${prior.sources.map(
    (s) => html`<tr data-source="${s.source}"><td>${s.name}</td><td>${s.task === 'same' ? 'this campaign’s' : 'related'}</td><td class="num">${s.rows - s.excluded}</td><td class="num">${s.excluded}</td><td class="num">${s.skipped}</td>
<td class="num">${trustCell(s)}</td></tr>`,
  )}</tbody>
</table>
<p class="muted small">${trustNote(prior)}Rows skipped at import are listed with their line in the activity (prior.imported); a row is excluded with POST /api/campaigns/{id}/prior/{seq}/exclude.</p>
</section>`;
}
