/**
 * The campaign page: what the planner has done, what it believes and why, and the operator's
 * controls. Sections marked data-live are re-rendered by /campaigns/:id/live and swapped in by
 * panel.js when an event arrives; forms a person may be typing in are outside them.
 */
import { html, raw } from 'hono/html';
import { z } from 'zod';
import type { Principal } from '../../auth/index.js';
import { campaignSpecSchema, specParameters, type CampaignSpec } from '../../campaign/index.js';
import type { ExperimentRow } from '../../db/index.js';
import { measuredQuantities } from '../../agent/index.js';
import type { CampaignPageData } from './campaign-data.js';
import { ago, describeEvent, fmt, withUnit } from './format.js';
import { panelLayout } from './layout.js';
import { bestSoFarSvg, landscapeSvg, predictedVsObservedSvg } from './plots.js';

const OPEN = ['planned', 'dispatched', 'running'];
/** Rows of the experiment table: enough to see the recent history without drawing thousands of molecules. */
const EXPERIMENT_ROWS = 100;

function moleculeImg(smiles: string, name: string, size: 'small' | 'large' = 'small') {
  if (!smiles) return html`<span class="muted">none</span>`;
  const [w, h] = size === 'small' ? [96, 72] : [200, 150];
  const src = `/api/molecules/depiction.svg?smiles=${encodeURIComponent(smiles)}&width=${w}&height=${h}`;
  return html`<img class="mol" src="${src}" width="${w}" height="${h}" alt="structure of ${name}">`;
}

/** A discovery proposal's expected product, drawn: what the combination should give if it reacts. */
function predictedProduct(e: ExperimentRow) {
  const top = e.proposal.products?.[0];
  if (!top) return '';
  const what = top.observed ? 'observed from these reactants' : `predicted product (p ${top.probability.toFixed(2)})`;
  return html`<br><span class="muted small">→ ${what}</span><br>${moleculeImg(top.smiles, `the expected product ${top.smiles}`)}`;
}

function badge(status: string) {
  return html`<span class="badge status-${status}">${status}</span>`;
}

function conditionsOf(spec: CampaignSpec, e: ExperimentRow) {
  const substanceRoles = new Set(Object.keys(spec.space.substances));
  return Object.entries(e.parameters)
    .filter(([k]) => !substanceRoles.has(k))
    .map(([k, v]) => {
      const unit = spec.space.numeric[k]?.unit;
      return `${k} ${v}${unit ? ` ${unit}` : ''}`;
    })
    .join(', ');
}

function substanceNames(spec: CampaignSpec, e: ExperimentRow): string {
  return Object.keys(spec.space.substances)
    .map((role) => `${role} ${String(e.parameters[role] ?? '—')}`)
    .join(', ');
}

// ----- sections -------------------------------------------------------------------------------

function overviewSection(d: CampaignPageData, principal: Principal) {
  const { view } = d;
  const operator = principal.role === 'operator';
  const finished = ['completed', 'stopped', 'failed'].includes(view.status);
  const paused = view.status === 'paused';
  const runsHere = view.state !== null;
  const inLab = view.counts.dispatched + view.counts.running;
  return html`<section id="overview" data-live aria-label="Overview">
<div class="overview">
  <div class="fact"><span class="fact-label">Status</span> ${badge(view.status)} ${view.state && view.state !== view.status ? html`<span class="muted small">${view.state}</span>` : ''}</div>
  <div class="fact"><span class="fact-label">Experiments</span>
    <progress max="${view.budget}" value="${view.experiments}" aria-label="${view.experiments} of ${view.budget} experiments"></progress>
    <span class="num">${view.experiments} / ${view.budget}</span>
    <span class="muted small">${view.counts.completed} done · ${inLab} in the lab · ${view.counts.failed} failed · ${view.counts.cancelled} cancelled</span></div>
  <div class="fact"><span class="fact-label">Best ${view.target}</span> <strong class="big">${withUnit(view.bestYield, view.unit)}</strong>
    ${view.best ? html`<span class="muted small">experiment ${view.best.experiment}</span>` : ''}</div>
  ${
    view.reference
      ? html`<div class="fact"><span class="fact-label">Top 1 % of the dataset</span> ≥ ${withUnit(view.reference.top1Threshold, view.unit)}
    <span class="small">${view.firstTop1At === null ? 'not reached yet' : html`<strong>reached at experiment ${view.firstTop1At}</strong>`}</span></div>`
      : ''
  }
  ${view.outcome ? html`<div class="fact"><span class="fact-label">Outcome</span> ${view.outcome}</div>` : ''}
  ${d.quarantined > 0 ? html`<div class="fact warn"><span class="fact-label">Quarantined results</span> ${d.quarantined} (<a href="/api/campaigns/${view.campaignId}/quarantine">list</a>)</div>` : ''}
</div>
${
  operator && !finished
    ? html`<div class="button-row" role="group" aria-label="Campaign controls">
  <button type="button" id="action-pause" data-action="pause" ${paused || !runsHere ? 'disabled' : ''}>Pause</button>
  <button type="button" id="action-resume" data-action="resume" ${!paused || !runsHere ? 'disabled' : ''}>Resume</button>
  <button type="button" id="action-stop" data-action="stop" class="danger" ${!runsHere ? 'disabled' : ''}>Stop…</button>
  ${runsHere ? '' : html`<span class="muted small">This campaign is not running in this process.</span>`}
</div>`
    : ''
}
</section>`;
}

function progressSection(d: CampaignPageData) {
  const { view } = d;
  const svg = bestSoFarSvg({
    values: view.bestSoFar,
    budget: view.budget,
    target: view.target,
    unit: view.unit,
    ...(d.random ? { random: d.random } : {}),
    ...(view.reference ? { reference: { value: view.reference.top1Threshold, label: 'top 1 % of dataset' } } : {}),
  });
  return html`<section id="progress" data-live aria-labelledby="progress-h" class="card">
<h2 id="progress-h">Best so far</h2>
<figure>${raw(svg)}<figcaption>
<ul class="legend-list small">
  <li><span class="swatch swatch-best"></span>this campaign</li>
  ${d.random ? html`<li><span class="swatch swatch-random"></span>random search, expected (from the simulator’s dataset)</li>` : ''}
  ${view.reference ? html`<li><span class="swatch swatch-ref"></span>top 1 % of the dataset</li>` : ''}
</ul>${d.random ? '' : html`<span class="muted small">A random-search reference is drawn when the lab is a dataset simulator.</span>`}</figcaption></figure>
</section>`;
}

function proposalsSection(d: CampaignPageData) {
  const open = d.experiments.filter((e) => OPEN.includes(e.status));
  const lastBatch = Math.max(0, ...d.experiments.map((e) => e.batch));
  const shown = open.length > 0 ? open : d.experiments.filter((e) => e.batch === lastBatch);
  const unit = d.view.unit;
  return html`<section id="proposals" data-live aria-labelledby="proposals-h" class="card">
<h2 id="proposals-h">${open.length > 0 ? 'Next experiments' : 'Latest proposals'}</h2>
${
  shown.length === 0
    ? html`<p class="empty-state">Nothing proposed yet: the planner proposes its first batch when the campaign starts.</p>`
    : html`<p class="muted small">${
        open.length > 0
          ? 'Planned or in the lab, in the order the planner ranked them.'
          : `Nothing is waiting; these are the proposals of batch ${lastBatch}.`
      } σ is the model’s uncertainty; the acquisition value is what the planner maximised.</p>
<div class="table-wrap"><table>
<thead><tr><th scope="col">#</th><th scope="col">Candidate</th><th scope="col" class="num">Predicted</th><th scope="col" class="num">σ</th><th scope="col" class="num">Acquisition</th><th scope="col">Why</th><th scope="col">Status</th></tr></thead>
<tbody>${shown.map(
        (e) => html`<tr><td class="num">${e.seq}</td>
<td><span class="small">${substanceNames(d.spec, e)}</span><br><span class="muted small">${conditionsOf(d.spec, e)}</span>${predictedProduct(e)}</td>
<td class="num">${withUnit(e.proposal.mean, unit)}</td><td class="num">${fmt(e.proposal.sigma)}</td><td class="num">${fmt(e.proposal.acquisition, 3)}</td>
<td><span class="small">${e.proposal.strategy} · rank ${e.proposal.rank}</span><br><span class="small">${e.proposal.reason}</span></td>
<td>${badge(e.status)}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`;
}

function modelSection(d: CampaignPageData) {
  const versions = d.models;
  const metricNames = [...new Set(versions.flatMap((m) => Object.keys(m.metrics)))].slice(0, 6);
  const empty = `${d.modelMessage.charAt(0).toUpperCase()}${d.modelMessage.slice(1)}.`;
  return html`<section id="model" data-live aria-labelledby="model-h" class="card">
<h2 id="model-h">Model</h2>
${
  d.predicted
    ? html`<figure>${raw(predictedVsObservedSvg(d.predicted.points, d.view.target, d.view.unit))}
<figcaption class="muted small">Version ${d.predicted.version} (${d.predicted.kind}) on the results it was trained on; bars are ±1σ; points on the diagonal are predicted exactly.</figcaption></figure>`
    : html`<p class="empty-state">${empty}</p>`
}
${
  versions.length > 0
    ? html`<div class="table-wrap"><table><caption>Model versions</caption>
<thead><tr><th scope="col">Version</th><th scope="col">Kind</th><th scope="col" class="num">Trained on</th>${metricNames.map((m) => html`<th scope="col" class="num">${m}</th>`)}<th scope="col">When</th></tr></thead>
<tbody>${versions.map(
        (m) => html`<tr><td class="num">${m.version}</td><td>${m.kind}</td><td class="num">${m.trainingSize}</td>${metricNames.map(
          (k) => html`<td class="num">${fmt(m.metrics[k], 3)}</td>`,
        )}<td class="small">${ago(m.createdAt)}</td></tr>`,
      )}</tbody></table></div>`
    : ''
}
</section>`;
}

function landscapeSection(d: CampaignPageData, query: { x?: string; y?: string }) {
  const params = specParameters(d.spec);
  const map = d.landscape;
  const options = (selected: string | undefined) =>
    params.map((p) => html`<option value="${p.name}" ${p.name === selected ? 'selected' : ''}>${p.name} (${p.choices.length})</option>`);
  return html`<section id="landscape" data-live aria-labelledby="landscape-h" class="card">
<h2 id="landscape-h">${map?.mode === 'model' ? 'Uncertainty landscape' : 'Explored space'}</h2>
<form method="get" class="inline-form" data-landscape-form>
  <label for="land-x">Across</label><select id="land-x" name="x">${options(map?.x.name ?? query.x)}</select>
  <label for="land-y">Down</label><select id="land-y" name="y">${options(map?.y.name || query.y)}</select>
  <button type="submit">Show</button>
</form>
${
  map
    ? html`<div class="plot-scroll">${raw(landscapeSvg(map, d.view.unit))}</div>
<p class="muted small">${
        map.mode === 'model'
          ? `Colour: how unsure model version ${map.model?.version} is (mean σ over the candidates in each cell; bright = unsure). Dots: cells where experiments ran.`
          : 'No model yet, so the map shows where the experiments went and the best result in each cell (grey: untried). Once a model is trained it shows how unsure the model is instead.'
      }</p>`
    : html`<p class="error">${d.landscapeError ?? 'The landscape cannot be drawn.'}</p>`
}
</section>`;
}

function explainSection(d: CampaignPageData) {
  const e = d.explain;
  const roles = Object.keys(d.spec.space.substances);
  const completed = d.experiments.filter((x) => x.status === 'completed');
  const explainable = d.explainable === true;
  return html`<section id="explain" data-live aria-labelledby="explain-h" class="card">
<h2 id="explain-h">Why this prediction</h2>
${
  !e
    ? html`<p class="empty-state">No experiment to explain yet.</p>`
    : html`<form method="get" class="inline-form" data-explain-form>
  <label for="explain-seq">Experiment</label>
  <select id="explain-seq" name="explain">${completed.map((x) => html`<option value="${x.seq}" ${x.seq === e.seq ? 'selected' : ''}>${x.seq}</option>`)}</select>
  <button type="submit">Explain</button>
</form>
<p class="small">Experiment ${e.seq}: ${substanceNames(d.spec, e)}; ${conditionsOf(d.spec, e)}.</p>
${
  explainable
    ? html`<div class="molecules">${roles
        .filter((role) => e.substances[role])
        .map(
          (role) => html`<figure class="mol-figure"><img class="mol" width="320" height="240" loading="lazy"
  src="/api/campaigns/${d.view.campaignId}/experiments/${e.seq}/attribution.svg?role=${encodeURIComponent(role)}"
  alt="${role} ${String(e.parameters[role])} with the atoms that drive the prediction highlighted"><figcaption>${role}: ${String(e.parameters[role])}</figcaption></figure>`,
        )}</div>
<p class="muted small">Red atoms raise the predicted ${d.view.target}; blue atoms lower it; stronger colour, larger effect.</p>`
    : html`<div class="molecules">${roles
        .filter((role) => e.substances[role])
        .map((role) => html`<figure class="mol-figure">${moleculeImg(e.substances[role] ?? '', String(e.parameters[role]), 'large')}<figcaption>${role}: ${String(e.parameters[role])}</figcaption></figure>`)}</div>
<p class="empty-state">${
        typeof d.explainable === 'string'
          ? html`No atom-level explanation: ${d.explainable}.`
          : html`Atom-level explanations need a trained graph model (${d.modelMessage}); until then the molecules are shown plain.`
      }</p>`
}`
}
</section>`;
}

function experimentsSection(d: CampaignPageData, principal: Principal) {
  const roles = Object.keys(d.spec.space.substances);
  const operator = principal.role === 'operator';
  const target = d.view.target;
  const rows = [...d.experiments].reverse().slice(0, EXPERIMENT_ROWS);
  return html`<section id="experiments" data-live aria-labelledby="experiments-h" class="card">
<h2 id="experiments-h">Experiments <span class="muted small">(${d.experiments.length}, newest first${
    d.experiments.length > EXPERIMENT_ROWS ? html`; the newest ${EXPERIMENT_ROWS} are shown, all are at <a href="/api/campaigns/${d.view.campaignId}/experiments">/api/…/experiments</a>` : ''
  })</span></h2>
${
  rows.length === 0
    ? html`<p class="empty-state">No experiments yet.</p>`
    : html`<div class="table-wrap"><table class="experiments">
<thead><tr><th scope="col">#</th><th scope="col">Status</th>${roles.map((r) => html`<th scope="col">${r}</th>`)}<th scope="col">Conditions</th><th scope="col" class="num">${target}</th><th scope="col" class="wide">Why</th>${operator ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ''}</tr></thead>
<tbody>${rows.map((e) => {
        const result = d.results.get(e.id);
        const value = result?.values[target];
        return html`<tr id="exp-${e.seq}" class="${result?.excludedReason ? 'excluded' : ''}">
<td class="num">${e.seq}<br><span class="muted small">b${e.batch}</span></td>
<td>${badge(e.status)}${e.failureReason ? html`<br><span class="muted small">${e.failureReason}</span>` : ''}</td>
${roles.map((role) => html`<td class="mol-cell">${moleculeImg(e.substances[role] ?? '', String(e.parameters[role]))}<br><span class="small">${String(e.parameters[role] ?? '')}</span></td>`)}
<td class="small">${conditionsOf(d.spec, e)}</td>
<td class="num result"><span class="value">${withUnit(value, d.view.unit)}</span>${result?.excludedReason ? html`<br><span class="small warn" title="${result.excludedReason}">excluded</span>` : ''}</td>
<td class="wide small">${e.proposal.reason}</td>
${
  operator
    ? html`<td>${
        OPEN.includes(e.status)
          ? html`<button type="button" class="small-button" id="cancel-${e.seq}" data-action="cancel" data-seq="${e.seq}">Cancel</button>`
          : result
            ? result.excludedReason
              ? html`<button type="button" class="small-button" id="include-${e.seq}" data-action="include" data-seq="${e.seq}">Include</button>`
              : html`<button type="button" class="small-button" id="exclude-${e.seq}" data-action="exclude" data-seq="${e.seq}">Exclude…</button>`
            : ''
      }</td>`
    : ''
}
</tr>`;
      })}</tbody></table></div>`
}
</section>`;
}

function activitySection(d: CampaignPageData) {
  const now = new Date();
  return html`<section id="activity" data-live aria-labelledby="activity-h" class="card">
<h2 id="activity-h">Activity</h2>
${
  d.events.length === 0
    ? html`<p class="empty-state">Nothing yet.</p>`
    : html`<ol class="activity">${d.events.map(
        (ev) => html`<li><span>${describeEvent(ev.type, ev.payload)}</span> <span class="muted small">${ev.actor} · <time datetime="${ev.at.toISOString()}">${ago(ev.at, now)}</time></span></li>`,
      )}</ol>`
}
</section>`;
}

/** Planner settings as form fields, from the campaign file's own schema (enums become choices). */
function plannerFields(spec: CampaignSpec) {
  const schema = z.toJSONSchema(campaignSpecSchema.shape.planner.unwrap(), { io: 'input', unrepresentable: 'any' }) as {
    properties?: Record<string, { type?: string; enum?: unknown[]; description?: string }>;
  };
  const current = spec.planner as unknown as Record<string, unknown>;
  return Object.entries(schema.properties ?? {}).map(([name, p]) => {
    const id = `planner-${name}`;
    const value = current[name];
    if (p.enum) {
      return html`<label for="${id}">${name.replace(/_/g, ' ')}</label><select id="${id}" name="planner.${name}">${p.enum.map(
        (v) => html`<option value="${String(v)}" ${v === value ? 'selected' : ''}>${String(v)}</option>`,
      )}</select>`;
    }
    if (p.type === 'number' || p.type === 'integer') {
      return html`<label for="${id}">${name.replace(/_/g, ' ')}</label><input id="${id}" name="planner.${name}" type="number" step="any" data-type="number" value="${value === undefined ? '' : String(value)}">`;
    }
    if (p.type === 'boolean') {
      return html`<label class="check"><input id="${id}" name="planner.${name}" type="checkbox" data-type="boolean" ${value ? 'checked' : ''}> ${name.replace(/_/g, ' ')}</label>`;
    }
    if (p.type === 'string') {
      return html`<label for="${id}">${name.replace(/_/g, ' ')}</label><input id="${id}" name="planner.${name}" type="text" value="${value === undefined ? '' : String(value)}">`;
    }
    return ''; // structured settings (e.g. stop_when_exhausted) are changed through the API
  });
}

function operatorForms(d: CampaignPageData) {
  const { view, spec } = d;
  const finished = ['completed', 'stopped', 'failed'].includes(view.status);
  const quantities = measuredQuantities(spec);
  return html`<section id="operate" aria-labelledby="operate-h" class="card">
<h2 id="operate-h">Steer and report</h2>
${
  finished
    ? ''
    : html`<details><summary>Budget and planner</summary>
<form id="settings-form" class="grid-form">
  <label for="budget-experiments">Experiments in all</label><input id="budget-experiments" name="budget.experiments" type="number" min="${view.experiments}" step="1" value="${spec.budget.experiments}" data-type="number" required>
  <label for="budget-batch">Batch size</label><input id="budget-batch" name="budget.batch" type="number" min="1" step="1" value="${spec.budget.batch}" data-type="number" required>
  ${plannerFields(spec)}
  <div class="actions"><button type="submit">Apply</button></div>
</form></details>`
}
<details><summary>Upload results (CSV)</summary>
<form id="csv-form" class="stack">
  <p class="small">Columns: <code>experiment</code> (its number or id) and ${quantities.map((q, i) => html`${i > 0 ? ', ' : ''}<code>${q}</code>`)}. Values are checked against the objective's bounds; if any row is wrong, nothing is stored.</p>
  <label for="csv-file">CSV file</label><input id="csv-file" name="file" type="file" accept=".csv,text/csv">
  <label for="csv-text">…or paste it</label><textarea id="csv-text" name="text" rows="4" spellcheck="false" placeholder="experiment,${spec.objective.target}&#10;3,71.5"></textarea>
  <div class="actions"><button type="submit">Upload</button></div>
</form></details>
<details><summary>Enter a result by hand</summary>
<form id="manual-form" class="grid-form">
  <label for="manual-experiment">Experiment number</label><input id="manual-experiment" name="experiment" type="number" min="1" step="1" required data-type="number">
  ${quantities.map(
    (q) =>
      html`<label for="manual-${q}">${q}${q === spec.objective.target ? '' : ' (optional)'}</label><input id="manual-${q}" name="values.${q}" type="number" step="any" data-type="number" ${q === spec.objective.target ? 'required' : ''} ${
        q === spec.objective.target && spec.objective.bounds ? html`min="${spec.objective.bounds[0]}" max="${spec.objective.bounds[1]}"` : ''
      }>`,
  )}
  <div class="actions"><button type="submit">Store result</button></div>
</form></details>
<div id="operate-issues" class="issues" aria-live="polite"></div>
</section>
<dialog id="reason-dialog" aria-labelledby="reason-title">
  <form method="dialog" id="reason-form" class="stack">
    <h2 id="reason-title">Why?</h2>
    <p id="reason-text" class="small"></p>
    <label for="reason-input">Reason</label>
    <input id="reason-input" name="reason" type="text" maxlength="500">
    <div class="actions"><button value="cancel" type="submit" formnovalidate>Back</button><button value="confirm" class="primary" type="submit" id="reason-confirm">Confirm</button></div>
  </form>
</dialog>`;
}

export interface CampaignPageQuery {
  x?: string;
  y?: string;
}

/** The sections that change as the campaign runs, in page order. */
export function liveSections(d: CampaignPageData, principal: Principal, query: CampaignPageQuery) {
  return html`${overviewSection(d, principal)}
<div class="columns">${progressSection(d)}${modelSection(d)}</div>
${proposalsSection(d)}
<div class="columns">${landscapeSection(d, query)}${explainSection(d)}</div>
${experimentsSection(d, principal)}
${activitySection(d)}`;
}

export function campaignPage(d: CampaignPageData, principal: Principal, query: CampaignPageQuery) {
  const { view } = d;
  const liveQuery = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
  return panelLayout({
    title: view.name,
    principal,
    pageData: {
      campaign: view.campaignId,
      live: `/campaigns/${view.campaignId}/live`,
      stream: `/api/campaigns/${view.campaignId}/events/stream?after=${d.events[0]?.id ?? 0}`,
      query: liveQuery,
    },
    body: html`<nav aria-label="Breadcrumb" class="crumbs"><a href="/">Campaigns</a> ›</nav>
<div class="page-head"><h1>${view.name}</h1><span class="live-indicator" id="live-indicator" aria-live="off">live</span></div>
${d.spec.description ? html`<p class="muted">${d.spec.description}</p>` : ''}
<div id="live-root">${liveSections(d, principal, query)}</div>
${principal.role === 'operator' ? operatorForms(d) : ''}`,
  });
}
