/** Server-rendered status pages: readable without JavaScript, refreshing themselves while a campaign runs. */
import { html, raw } from 'hono/html';
import type { CampaignSummary } from '../agent/index.js';
import type { ExperimentRow } from '../db/index.js';
import { bestSoFarSvg } from './plots.js';

const style = `body{font:14px/1.4 system-ui,sans-serif;margin:0 auto;max-width:1000px;padding:16px;color:#1f2328}
table{border-collapse:collapse;width:100%}th,td{padding:4px 8px;border-bottom:1px solid #d0d7de;text-align:left}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}.plot{max-width:100%;height:auto}
.status{font-weight:600}a{color:#0969da}@media (max-width:600px){.wide{display:none}}`;

function fmt(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined ? '—' : value.toFixed(digits);
}

function layout(title: string, body: unknown, refresh: boolean) {
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
${refresh ? raw('<meta http-equiv="refresh" content="5">') : ''}<title>${title} · Athanor</title><style>${raw(style)}</style></head>
<body><header><a href="/">Athanor</a></header><main>${body}</main></body></html>`;
}

export function campaignListPage(summaries: CampaignSummary[]) {
  const running = summaries.some((s) => s.status === 'running' || s.status === 'created');
  const rows = summaries.map(
    (s) => html`<tr><td><a href="/campaigns/${s.campaignId}">${s.name}</a></td><td class="status">${s.status}</td>
<td class="num">${s.experiments} / ${s.budget}</td><td class="num">${fmt(s.bestYield)}</td><td class="wide">${s.outcome ?? ''}</td></tr>`,
  );
  return layout(
    'Campaigns',
    html`<h1>Campaigns</h1>${
      summaries.length === 0
        ? html`<p>No campaigns yet. Start one with <code>npx athanor run examples/direct-arylation.yaml</code>.</p>`
        : html`<table><thead><tr><th>name</th><th>status</th><th>experiments</th><th>best</th><th class="wide">outcome</th></tr></thead><tbody>${rows}</tbody></table>`
    }`,
    running,
  );
}

export function campaignPage(summary: CampaignSummary, experiments: ExperimentRow[], state: string | null) {
  const svg = bestSoFarSvg({
    values: summary.bestSoFar,
    budget: summary.budget,
    yLabel: summary.target,
    ...(summary.reference ? { reference: { value: summary.reference.top1Threshold, label: 'top 1 % of the dataset' } } : {}),
  });
  const rows = experiments
    .slice()
    .reverse()
    .map(
      (e) => html`<tr><td class="num">${e.seq}</td><td>${e.status}</td><td>${Object.entries(e.parameters)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}</td><td class="wide">${e.proposal.reason}</td><td class="num">${e.failureReason ?? ''}</td></tr>`,
    );
  return layout(
    summary.name,
    html`<h1>${summary.name}</h1>
<p class="status">${summary.status}${state ? ` · ${state}` : ''}${summary.outcome ? ` · ${summary.outcome}` : ''}</p>
<p>${summary.experiments} of ${summary.budget} experiments · best ${summary.target} ${fmt(summary.bestYield)}${summary.best ? ` at experiment ${summary.best.experiment}` : ''}${
      summary.reference ? ` · top-1 % (≥ ${fmt(summary.reference.top1Threshold)}) ${summary.firstTop1At === null ? 'not yet reached' : `reached at experiment ${summary.firstTop1At}`}` : ''
    }</p>
${raw(svg)}
<h2>Experiments</h2>
<table><thead><tr><th>#</th><th>status</th><th>conditions</th><th class="wide">why</th><th></th></tr></thead><tbody>${rows}</tbody></table>`,
    summary.status === 'running' || summary.status === 'created',
  );
}
