/** The panel's comparison page: pick campaigns, see their best-so-far curves on one plot with a legend. */
import { html, raw } from 'hono/html';
import type { Principal } from '../../auth/index.js';
import type { Comparison } from '../comparison.js';
import type { CampaignView } from '../services.js';
import { withUnit } from './format.js';
import { panelLayout } from './layout.js';
import { overlayStyle, overlaySvg } from './plots.js';

export interface CompareChoice {
  view: CampaignView;
  chosen: boolean;
}

function choiceList(choices: CompareChoice[]) {
  return html`<fieldset class="compare-choices">
<legend>Campaigns</legend>
${choices.map(({ view, chosen }) => html`<label class="check"><input type="checkbox" name="c" value="${view.campaignId}"${chosen ? raw(' checked') : ''}>
<span>${view.name} <span class="muted small">${view.status} · ${view.experiments} of ${view.budget} experiments · ${view.direction} ${view.target}${view.unit ? ` (${view.unit})` : ''}</span></span></label>`)}
</fieldset>`;
}

function comparisonFigure(comparison: Comparison) {
  const { unit, target } = comparison;
  const svg = overlaySvg({ target, unit, series: comparison.campaigns.map((c) => ({ name: c.name, values: c.bestSoFar })) });
  return html`<section class="card" aria-labelledby="overlay-h" id="comparison">
<h2 id="overlay-h">Best ${target} so far</h2>
<figure><div class="plot-scroll overlay-plot">${raw(svg)}</div><figcaption class="small muted">Each curve is one campaign's best ${target} after each result (a step up when a result beats the best before it).</figcaption></figure>
<div class="table-wrap"><table id="comparison-table">
<caption class="visually-hidden">The compared campaigns</caption>
<thead><tr><th scope="col">Line</th><th scope="col">Campaign</th><th scope="col">Status</th><th scope="col" class="num">Results</th><th scope="col" class="num">Best ${target}</th><th scope="col" class="num">Best found at experiment</th><th scope="col" class="num">Top 1 % of the dataset at</th></tr></thead>
<tbody>${comparison.campaigns.map((c, i) => {
    const style = overlayStyle(i);
    return html`<tr><td><svg class="swatch-line" viewBox="0 0 36 10" width="36" height="10" aria-hidden="true"><line x1="0" x2="36" y1="5" y2="5" stroke="${style.stroke}" stroke-width="3"${style.dash ? raw(` stroke-dasharray="${style.dash}"`) : ''}/></svg></td>
<th scope="row"><a href="/campaigns/${c.campaignId}">${c.name}</a></th><td>${c.status}</td><td class="num">${c.bestSoFar.length}</td>
<td class="num">${withUnit(c.best?.value, unit)}</td><td class="num">${c.best ? c.best.experiment : '—'}</td><td class="num">${c.firstTop1At ?? '—'}</td></tr>`;
  })}</tbody></table></div>
${
  comparison.leftOut.length > 0
    ? html`<p class="warn" id="left-out">Not on this plot:</p><ul class="small">${comparison.leftOut.map((l) => html`<li><a href="/campaigns/${l.campaignId}">${l.name}</a>: ${l.reason}.</li>`)}</ul>`
    : ''
}
</section>`;
}

export function comparePage(principal: Principal, choices: CompareChoice[], result: { comparison?: Comparison; error?: string }) {
  return panelLayout({
    title: 'Compare campaigns',
    principal,
    current: 'compare',
    body: html`<h1>Compare campaigns</h1>
<p>Choose the campaigns to draw on one plot: each one's best result so far against the number of results. Curves share the plot when they measure the same thing
in the same unit and aim the same way; a campaign that does not is named below it.</p>
${
  choices.length === 0
    ? html`<p class="empty-state">No campaigns yet.</p>`
    : html`<form method="get" action="/compare" class="card stack" id="compare-form">
${choiceList(choices)}
<div class="actions"><button type="submit" class="primary">Compare</button></div>
</form>`
}
${result.error ? html`<p class="error" role="alert" id="compare-error">${result.error}</p>` : ''}
${result.comparison ? comparisonFigure(result.comparison) : ''}`,
  });
}
