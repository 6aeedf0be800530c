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
import { conditionsText } from '../campaign-records.js';
import type { CampaignPageData } from './campaign-data.js';
import { ago, describeEvent, fmt, withUnit } from './format.js';
import { panelLayout } from './layout.js';
import { applyTable, tableQueryOf, withQuery } from './experiment-table.js';
import { bestSoFarSvg, landscapeSvg, predictedVsObservedSvg } from './plots.js';
import { approvalSection, suggestionForm } from './approval-section.js';
import { priorSection } from './prior-section.js';
import { paretoSection } from './pareto-section.js';
import type { ParetoView } from '../pareto-view.js';
import { discoveryFact, discoveryProgress, discoveryProgressSection } from './discovery-progress.js';

const OPEN = ['planned', 'dispatched', 'running'];

/** Heavy atoms written in a SMILES (element symbols and bracket atoms, hydrogens aside): how big a drawing must be to stay legible. */
export function atomCountOf(smiles: string): number {
  return (smiles.match(/\[[^\]]+\]|Cl|Br|[BCNOPSFI]|[bcnops]/g) ?? []).filter((a) => !/^\[H/.test(a)).length;
}

/** Drawing sizes that grow with the molecule, so a ligand of 60 atoms is not squeezed into the box of a base. */
function sizedFor(smiles: string, base: number, perAtom: number, max: number): [number, number] {
  const w = Math.round(Math.min(max, Math.max(base, base * 0.7 + perAtom * atomCountOf(smiles))));
  return [w, Math.round(w * 0.75)];
}

function moleculeImg(smiles: string, name: string, size: 'thumb' | 'small' | 'large' = 'small') {
  if (!smiles) return html`<span class="muted">none</span>`;
  const [w, h] = size === 'thumb' ? [64, 48] : size === 'small' ? [96, 72] : sizedFor(smiles, 200, 7, 420);
  const src = `/api/molecules/depiction.svg?smiles=${encodeURIComponent(smiles)}&width=${w}&height=${h}`;
  // a click (or Enter) opens a large drawing, sized to the molecule: panel.js reads data-enlarge
  const [bw, bh] = sizedFor(smiles, 360, 11, 760);
  const large = `/api/molecules/depiction.svg?smiles=${encodeURIComponent(smiles)}&width=${bw}&height=${bh}`;
  return html`<img class="mol mol-${size}" src="${src}" width="${w}" height="${h}" alt="structure of ${name}" title="${name}: ${smiles} (click to enlarge)" tabindex="0" role="button" data-enlarge="${large}" data-name="${name}">`;
}

/**
 * A discovery proposal's expected product, drawn: what the combination should give if it reacts,
 * and, folded, how: its most likely mechanism step by step (loaded only when opened).
 */
function predictedProduct(spec: CampaignSpec, e: ExperimentRow) {
  const top = e.proposal.products?.[0];
  if (!top) return '';
  const what = top.observed ? 'observed from these reactants' : `predicted product (p ${top.probability.toFixed(2)})`;
  const reactants = proposalReactants(spec, e);
  const mechanism = reactants
    ? html`<details class="mechanism-details"><summary class="small">mechanism, step by step</summary><img class="mechanism-chain" loading="lazy" src="/api/reactions/mechanism.svg?reactants=${encodeURIComponent(reactants)}" alt="the most likely mechanism from ${reactants}, each step with its curved arrows"></details>`
    : '';
  return html`<br><span class="muted small">→ ${what}</span><br>${moleculeImg(top.smiles, `the expected product ${top.smiles}`)}${mechanism}`;
}

/** The SMILES of a proposal's reacting substances, as the forward model read them (planner.discovery.reactants, else every role). */
function proposalReactants(spec: CampaignSpec, e: ExperimentRow): string {
  const roles = spec.planner.discovery?.reactants;
  return Object.entries(spec.space.substances)
    .filter(([role]) => !roles || roles.includes(role))
    .map(([role, choices]) => choices[String(e.parameters[role] ?? '')] ?? '')
    .filter((s) => s !== '')
    .sort()
    .join('.');
}

const ACQUISITION_NAMES: Record<string, string> = {
  ei: 'expected improvement',
  ucb: 'upper confidence bound',
  pi: 'probability of improvement',
  thompson: 'Thompson sampling',
  max_sigma: 'most uncertain',
  greedy: 'best predicted',
  information: 'most informative',
  uncertainty: 'most uncertain',
};

/** The planner's name for what proposed an experiment ('bayes-ucb', 'diverse'), in words. */
export function strategyName(strategy: string): string {
  const [kind, acquisition = ''] = strategy.split(/-(.*)/);
  if (kind === 'bayes') return `model (${ACQUISITION_NAMES[acquisition] ?? acquisition.replace(/[_-]/g, ' ')})`;
  if (kind === 'discovery') return `discovery (${ACQUISITION_NAMES[acquisition] ?? acquisition.replace(/[_-]/g, ' ')})`;
  if (strategy === 'diverse') return 'space-filling design';
  if (strategy === 'random') return 'random design';
  return strategy.replace(/[_-]/g, ' ');
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

/**
 * A Pareto campaign has no single best result: the overview says how many recipes are on the front
 * and the hypervolume they dominate, and links to the front.
 */
function paretoFact(pareto: ParetoView) {
  const hv = pareto.hypervolume.at(-1)?.value ?? null;
  return html`<div class="fact"><span class="fact-label">Pareto front</span> <strong class="big">${pareto.front.length}</strong>
    <span class="small">non-dominated recipe${pareto.front.length === 1 ? '' : 's'}${hv === null ? '' : html`, hypervolume ${fmt(hv, 3)}`} (<a href="#pareto">front and trade-offs</a>)</span></div>`;
}

function overviewSection(d: CampaignPageData, principal: Principal) {
  const { view } = d;
  const operator = principal.role === 'operator';
  const finished = ['completed', 'stopped', 'failed'].includes(view.status);
  const paused = view.status === 'paused';
  const runsHere = view.state !== null;
  const inLab = view.counts.dispatched + view.counts.running;
  const discovery = discoveryProgress(d);
  return html`<section id="overview" data-live aria-label="Overview">
<div class="overview">
  <div class="fact"><span class="fact-label">Status</span> ${badge(view.status)}</div>
  <div class="fact"><span class="fact-label">Experiments</span>
    <progress max="${view.budget}" value="${view.experiments}" aria-label="${view.experiments} of ${view.budget} experiments"></progress>
    <span class="num">${view.experiments} / ${view.budget}</span>
    <span class="muted small">${view.counts.completed} done · ${inLab} in the lab · ${view.counts.failed} failed · ${view.counts.cancelled} cancelled</span></div>
  ${
    d.pareto
      ? paretoFact(d.pareto)
      : discovery
        ? discoveryFact(discovery)
        : html`<div class="fact"><span class="fact-label">Best ${view.target}</span> <strong class="big">${withUnit(view.bestYield, view.unit)}</strong>
    ${view.best ? html`<span class="small">experiment ${view.best.experiment}: <span id="best-conditions">${conditionsText(d.records.parameters, view.best.parameters)}</span></span>` : ''}</div>`
  }
  ${
    // a discovery dataset's "top 1 %" is any combination that reacts: no figure for its overview
    view.reference && !discovery
      ? html`<div class="fact"><span class="fact-label">Top 1 % of the dataset</span> ≥ ${withUnit(view.reference.top1Threshold, view.unit)}
    <span class="small">${view.firstTop1At === null ? 'not reached yet' : html`<strong>reached at experiment ${view.firstTop1At}</strong>`}</span></div>`
      : ''
  }
  ${view.outcome ? html`<div class="fact"><span class="fact-label">Outcome</span> ${view.outcome}</div>` : ''}
  ${d.quarantined > 0 ? html`<div class="fact warn"><span class="fact-label">Quarantined results</span> ${d.quarantined} to decide (<a href="#quarantine">list</a>)</div>` : ''}
</div>
<div class="button-row" role="group" aria-label="Results out">
  <a class="button" id="open-report" href="/api/campaigns/${view.campaignId}/report">Report</a>
  <a class="button" href="/api/campaigns/${view.campaignId}/export.csv" download>CSV</a>
  <a class="button" href="/api/campaigns/${view.campaignId}/export.xlsx" download>Excel</a>
</div>
<details class="ord-export"><summary>Open Reaction Database</summary>
<form id="ord-export" method="get" action="/api/campaigns/${view.campaignId}/export.ord" class="inline-form">
  <p class="muted small">Every experiment with a result as an ORD dataset (validated against the ORD's rules). The ORD records who made each record: give your e-mail.</p>
  <label>E-mail <input type="email" name="email" required autocomplete="email" maxlength="254"></label>
  <label>Name <input type="text" name="name" autocomplete="name" maxlength="200"></label>
  <label>Format <select name="format"><option value="pb.gz">.pb.gz (as the ORD distributes)</option><option value="json">JSON</option></select></label>
  <button type="submit">Download</button>
</form>
</details>
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
  const discovery = discoveryProgress(d);
  if (discovery) return discoveryProgressSection(discovery, view.budget);
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
<thead><tr><th scope="col">#</th><th scope="col">Candidate</th><th scope="col" class="num">Predicted</th><th scope="col" class="num">σ</th><th scope="col" class="num">Observed</th><th scope="col" class="num">Acquisition</th><th scope="col">Why</th><th scope="col">Status</th></tr></thead>
<tbody>${shown.map(
        (e) => html`<tr><td class="num">${e.seq}</td>
<td><span class="small">${substanceNames(d.spec, e)}</span><br><span class="muted small">${conditionsOf(d.spec, e)}</span>${predictedProduct(d.spec, e)}</td>
<td class="num">${withUnit(e.proposal.mean, unit)}</td><td class="num">${fmt(e.proposal.sigma)}</td><td class="num observed">${withUnit(d.results.get(e.id)?.values[d.view.target], unit)}</td><td class="num">${fmt(e.proposal.acquisition, 3)}</td>
<td><span class="small">${strategyName(e.proposal.strategy)}, choice ${e.proposal.rank} of its batch</span><br><span class="small">${e.proposal.reason}</span></td>
<td>${badge(e.status)}</td></tr>`,
      )}</tbody></table></div>`
}
</section>`;
}

/** Model versions shown; the rest are at /api/…/models (one row per retrain would grow without end). */
const MODEL_ROWS = 5;

function importanceList(d: CampaignPageData) {
  const imp = d.importance;
  if (!imp || imp.parameters.length === 0) return '';
  const top = Math.max(...imp.parameters.map((p) => p.importance), 1e-12);
  return html`<h3 class="small-heading">Parameter importance</h3>
<ul class="bars" id="importance">${imp.parameters.map(
    (p) => html`<li><span class="bar-label">${p.parameter}</span><meter class="bar" min="0" max="${top}" value="${p.importance}" aria-label="${p.parameter}"></meter><span class="num small">${withUnit(p.importance, d.view.unit)}</span></li>`,
  )}</ul>
<p class="muted small">How far each parameter moves model version ${imp.version}'s prediction from its average over the space (mean absolute Shapley value over ${imp.explained} measured candidates).</p>`;
}

function modelSection(d: CampaignPageData) {
  const versions = d.models;
  const metricNames = [...new Set(versions.flatMap((m) => Object.keys(m.metrics)))].filter((m) => METRIC_LABELS[m]).slice(0, 4);
  const empty = `${d.modelMessage.charAt(0).toUpperCase()}${d.modelMessage.slice(1)}.`;
  const p = d.predicted;
  return html`<section id="model" data-live aria-labelledby="model-h" class="card">
<h2 id="model-h">Model</h2>
${
  p && p.points.length > 0
    ? html`<figure>${raw(predictedVsObservedSvg(p.points, d.view.target, d.view.unit, d.spec.objective.bounds))}
<figcaption class="small"><span id="heldout-metrics">Held-out R² ${fmt(p.r2, 2)} · RMSE ${withUnit(p.rmse, d.view.unit)}</span>
<span class="muted">— each result predicted by model version ${p.version} (${modelKindName(p.kind)}) without that result (leave-one-out); bars are ±1σ, held to the objective's bounds.</span>
<a href="/api/campaigns/${d.view.campaignId}/held-out.csv" download id="heldout-csv">These predictions as CSV</a></figcaption></figure>`
    : p
      ? html`<p class="empty-state">Model version ${p.version} (${modelKindName(p.kind)}): ${p.missing ?? 'no results to compare yet'}.</p>`
      : html`<p class="empty-state">${empty}</p>`
}
${importanceList(d)}
${
  versions.length > 0
    ? html`<div class="table-wrap"><table id="model-versions"><caption>Model versions${versions.length > MODEL_ROWS ? html` (newest ${MODEL_ROWS} of ${versions.length}; <a href="/api/campaigns/${d.view.campaignId}/models">all</a>)` : ''}</caption>
<thead><tr><th scope="col">Version</th><th scope="col">Kind</th><th scope="col" class="num">Trained on</th>${metricNames.map((m) => html`<th scope="col" class="num">${METRIC_LABELS[m]}</th>`)}<th scope="col">When</th></tr></thead>
<tbody>${versions.slice(0, MODEL_ROWS).map(
        (m) => html`<tr><td class="num">${m.version}</td><td>${modelKindName(m.kind)}</td><td class="num">${m.trainingSize}</td>${metricNames.map(
          (k) => html`<td class="num">${fmt(m.metrics[k], 3)}</td>`,
        )}<td class="small">${ago(m.createdAt)}</td></tr>`,
      )}</tbody></table></div>`
    : ''
}
</section>`;
}

/** Metrics by the names a chemist reads (the stored names are snake_case). */
const METRIC_LABELS: Record<string, string> = {
  cv_r2: 'Held-out R²',
  cv_rmse: 'Held-out RMSE',
  calibration_scale: 'σ calibration',
};

function modelKindName(kind: string): string {
  return { gp: 'Gaussian process', 'mpnn-ensemble': 'graph-network ensemble', 'mpnn-ensemble+gp': 'graph-network ensemble with a Gaussian process' }[kind] ?? kind;
}

function landscapeSection(d: CampaignPageData, query: { x?: string; y?: string }) {
  const params = specParameters(d.spec);
  const map = d.landscape;
  const options = (selected: string | undefined) =>
    params.map((p) => html`<option value="${p.name}" ${p.name === selected ? 'selected' : ''}>${p.name} (${p.kind === 'numeric' && p.continuous ? `continuous${p.unit ? `, ${p.unit}` : ''}` : p.choices.length})</option>`);
  return html`<section id="landscape" data-live aria-labelledby="landscape-h" class="card">
<h2 id="landscape-h">${map?.mode === 'model' ? 'Landscape: prediction and uncertainty' : 'Explored space'}</h2>
<form method="get" class="inline-form" data-landscape-form>
  <label for="land-x">Across</label><select id="land-x" name="x">${options(map?.x.name ?? query.x)}</select>
  <label for="land-y">Down</label><select id="land-y" name="y">${options(map?.y.name || query.y)}</select>
  <button type="submit">Show</button>
</form>
${
  map
    ? html`${
        map.mode === 'model'
          ? html`<h3 class="small-heading">Predicted ${d.view.target}</h3><div class="plot-scroll" id="landscape-mean-plot">${raw(landscapeSvg(map, d.view.unit, 'mean'))}</div>
<h3 class="small-heading">Uncertainty (σ)</h3>`
          : ''
      }<div class="plot-scroll">${raw(landscapeSvg(map, d.view.unit))}</div>
<p class="muted small">${
        map.searched
          ? map.mode === 'model'
            ? `Top: what model version ${map.model?.version} predicts at the centre of each cell (continuous conditions in ${map.searched.bins} equal steps), every other condition as in the best result so far (${Object.entries(map.searched.heldAt ?? {})
                .map(([name, value]) => `${name} ${typeof value === 'number' ? Number(value.toPrecision(4)) : value}`)
                .join(', ') || 'none'}); bright = high. Bottom: its σ there (bright = unsure). Dots: cells where experiments ran.`
            : `No model yet, so the map shows where the experiments went and the best result in each cell (continuous conditions in ${map.searched.bins} equal steps; grey: untried).`
          : map.mode === 'model'
            ? `Top: what model version ${map.model?.version} predicts (mean over the candidates in each cell; bright = high). Bottom: how unsure it is (mean σ; bright = unsure). Dots: cells where experiments ran.`
            : 'No model yet, so the map shows where the experiments went and the best result in each cell (grey: untried). Once a model is trained it shows how unsure the model is instead.'
      }</p>`
    : html`<p class="error">${d.landscapeError ?? 'The landscape cannot be drawn.'}</p>`
}
</section>`;
}

function explanationFacts(d: CampaignPageData, e: ExperimentRow) {
  const x = d.explanation;
  if (!x) return '';
  const unit = d.view.unit;
  const observed = d.results.get(e.id)?.values[d.view.target];
  const largest = Math.max(...x.contributions.map((c) => Math.abs(c.contribution)), 1e-12);
  return html`<p id="explain-prediction"><strong>Predicted ${withUnit(x.mean, unit)} ± ${withUnit(x.sigma, unit)}</strong> by model version ${x.version}${
    observed !== undefined ? html` · observed <strong>${withUnit(observed, unit)}</strong>` : ''
  }</p>
${
  x.contributions.length > 0
    ? html`<table class="contributions" id="contributions"><caption class="small">Why: the model's average over the space is ${withUnit(x.base, unit)}; each parameter's value moves it by (Shapley value)</caption>
<thead><tr><th scope="col">Parameter</th><th scope="col">Value</th><th scope="col" class="num">Moves the prediction by</th><th scope="col"><span class="visually-hidden">Size</span></th></tr></thead>
<tbody>${x.contributions.map(
        (c) => html`<tr><th scope="row">${c.parameter}</th><td class="small">${String(c.value)}</td><td class="num ${c.contribution >= 0 ? 'up' : 'down'}" data-contribution="${c.contribution}">${c.contribution >= 0 ? '+' : '−'}${fmt(Math.abs(c.contribution))}</td><td><meter class="bar ${c.contribution >= 0 ? 'up' : 'down'}" min="0" max="${largest}" value="${Math.abs(c.contribution)}" aria-label="size of ${c.parameter}'s contribution"></meter></td></tr>`,
      )}</tbody></table>`
    : ''
}
${
  x.neighbours.length > 0
    ? html`<table class="neighbours" id="neighbours"><caption class="small">The measured experiments most alike to the model (kernel similarity: 1 = the model cannot tell them apart)</caption>
<thead><tr><th scope="col" class="num">#</th><th scope="col" class="num">Similarity</th><th scope="col">Differs in</th><th scope="col" class="num">${d.view.target}</th></tr></thead>
<tbody>${x.neighbours.map((n) => {
        const differs = Object.keys(n.parameters).filter((k) => String(n.parameters[k]) !== String(e.parameters[k]));
        return html`<tr><td class="num"><a href="?explain=${n.seq}#explain">${n.seq}</a></td><td class="num">${fmt(n.similarity, 2)}</td><td class="small">${
          differs.length === 0 ? 'nothing (same conditions)' : differs.map((k) => `${k} ${String(n.parameters[k])}`).join(', ')
        }</td><td class="num">${withUnit(n.observed, unit)}</td></tr>`;
      })}</tbody></table>`
    : ''
}`;
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
<p class="small">Experiment ${e.seq}: ${conditionsText(d.records.parameters, e.parameters)}.</p>
${explanationFacts(d, e)}
${
  explainable
    ? html`<div class="molecules">${roles
        .filter((role) => e.substances[role])
        .map(
          (role) => html`<figure class="mol-figure"><img class="mol" width="320" height="240" loading="lazy"
  src="/api/campaigns/${d.view.campaignId}/experiments/${e.seq}/attribution.svg?role=${encodeURIComponent(role)}"
  alt="${role} ${String(e.parameters[role])} with the atoms that drive the prediction highlighted"><figcaption>${role}: ${String(e.parameters[role])}</figcaption></figure>`,
        )}</div>
<p class="muted small">Red atoms raise the predicted ${d.view.target}; blue atoms lower it; stronger colour, larger effect. A graph model's colours come from its atom features (gradient × input); a Gaussian process's are how its prediction changes when the molecule's fingerprint no longer sees the atom and its surroundings.</p>`
    : d.explanation
      ? html`<p class="muted small">This model compares whole molecules (fingerprint similarity), so it explains by parameter and by the results it leans on, above, rather than atom by atom.</p>`
      : html`<div class="molecules">${roles
          .filter((role) => e.substances[role])
          .map((role) => html`<figure class="mol-figure">${moleculeImg(e.substances[role] ?? '', String(e.parameters[role]), 'large')}<figcaption>${role}: ${String(e.parameters[role])}</figcaption></figure>`)}</div>
<p class="empty-state">${`${d.modelMessage.charAt(0).toUpperCase()}${d.modelMessage.slice(1)}`}; until a model is trained the molecules are shown plain.</p>`
}`
}
</section>`;
}

/** Reports kept aside (unknown experiment, already finished, conflicting repeat): an operator assigns or discards each. */
function quarantineSection(d: CampaignPageData, principal: Principal) {
  if (d.quarantine.length === 0) return '';
  const operator = principal.role === 'operator';
  return html`<section id="quarantine" data-live aria-labelledby="quarantine-h" class="card">
<div class="section-head"><h2 id="quarantine-h">Quarantined reports <span class="muted small">(${d.quarantined} to decide of ${d.quarantine.length})</span></h2>
<div class="button-row"><a class="button" href="/api/campaigns/${d.view.campaignId}/quarantine">JSON</a></div></div>
<div class="table-wrap"><table class="compact">
<thead><tr><th scope="col">Received</th><th scope="col">Experiment id</th><th scope="col">Reason</th><th scope="col">Source</th><th scope="col" class="wide">Payload</th><th scope="col">Decision</th>${operator ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ''}</tr></thead>
<tbody>${d.quarantine.map(
    (q) => html`<tr id="q-${q.id}">
<td class="small"><time datetime="${q.receivedAt.toISOString()}">${ago(q.receivedAt)}</time></td>
<td class="small"><code>${q.experimentId ?? '—'}</code></td>
<td class="small">${q.reason}</td>
<td class="small">${q.source}</td>
<td class="wide small"><code>${clipText(JSON.stringify(q.raw), 200)}</code></td>
<td class="small">${
      q.resolution
        ? html`${q.resolution === 'assigned' ? `assigned to experiment ${d.experiments.find((e) => e.id === q.assignedExperimentId)?.seq ?? q.assignedExperimentId}` : 'discarded'}${q.resolutionReason ? `: ${q.resolutionReason}` : ''}<br><span class="muted">${q.resolvedBy ?? ''}</span>`
        : html`<span class="warn">to decide</span>`
    }</td>
${
  operator
    ? html`<td>${
        q.resolution
          ? ''
          : html`<button type="button" class="small-button" id="assign-${q.id}" data-action="assign-quarantined" data-quarantine="${q.id}">Assign…</button> <button type="button" class="small-button" id="discard-${q.id}" data-action="discard-quarantined" data-quarantine="${q.id}">Discard…</button>`
      }</td>`
    : ''
}</tr>`,
  )}</tbody></table></div>
</section>`;
}

function clipText(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function experimentsSection(d: CampaignPageData, principal: Principal, query: CampaignPageQuery) {
  const roles = Object.keys(d.spec.space.substances);
  const operator = principal.role === 'operator';
  const target = d.view.target;
  const unit = d.view.unit;
  const search = new URLSearchParams(query.search ?? '');
  const table = tableQueryOf(search);
  const parameters = d.records.parameters;
  const shown = applyTable(d.records.records, table, target, parameters);
  const filtered = table.status !== undefined || Object.keys(table.filters).length > 0 || table.min !== undefined || table.max !== undefined;
  const statuses = [...new Set(d.experiments.map((e) => e.status))].sort();
  const sortHeader = (key: string, label: string, numeric = false) => {
    const active = table.sort === key;
    const nextDir = active && table.dir === 'asc' ? 'desc' : active ? 'asc' : key === 'result' && d.spec.objective.direction === 'maximize' ? 'desc' : 'asc';
    return html`<th scope="col" class="${numeric ? 'num' : ''}" aria-sort="${active ? (table.dir === 'asc' ? 'ascending' : 'descending') : 'none'}"><a class="sort" href="${withQuery(search, { sort: key, dir: nextDir, page: undefined })}">${label}${active ? (table.dir === 'asc' ? ' ▲' : ' ▼') : ''}</a></th>`;
  };
  const conditionNames = parameters.filter((p) => p.kind !== 'substance');
  const pager = (where: string) =>
    shown.pages > 1
      ? html`<nav class="pager" aria-label="Experiment pages${where}">
  ${shown.page > 1 ? html`<a href="${withQuery(search, { page: String(shown.page - 1) })}" rel="prev">‹ Previous</a>` : html`<span class="muted">‹ Previous</span>`}
  <span>Page ${shown.page} of ${shown.pages}</span>
  ${shown.page < shown.pages ? html`<a href="${withQuery(search, { page: String(shown.page + 1) })}" rel="next">Next ›</a>` : html`<span class="muted">Next ›</span>`}
</nav>`
      : '';
  return html`<section id="experiments" data-live aria-labelledby="experiments-h" class="card">
<h2 id="experiments-h">Experiments <span class="muted small">(${filtered ? `${shown.matching} of ${d.experiments.length} match` : d.experiments.length})</span></h2>
<form method="get" class="inline-form table-filters" data-table-form aria-label="Filter the experiments">
  <label for="filter-status">Status</label><select id="filter-status" name="status"><option value="">any</option>${statuses.map((s) => html`<option value="${s}" ${table.status === s ? 'selected' : ''}>${s}</option>`)}</select>
  ${parameters.map(
    (p) => html`<label for="filter-${p.name}">${p.name}</label><select id="filter-${p.name}" name="p.${p.name}"><option value="">any</option>${(p.choices as (string | number)[]).map(
      (choice) => html`<option value="${String(choice)}" ${table.filters[p.name] === String(choice) ? 'selected' : ''}>${String(choice)}${p.kind === 'numeric' && p.unit ? ` ${p.unit}` : ''}</option>`,
    )}</select>`,
  )}
  <label for="filter-min">${target} at least</label><input id="filter-min" name="min" type="number" step="any" inputmode="decimal" value="${table.min === undefined ? '' : String(table.min)}">
  <input type="hidden" name="page" value="1">
  <button type="submit">Filter</button>${filtered ? html` <a href="${withQuery(search, { status: undefined, min: undefined, max: undefined, page: undefined, ...Object.fromEntries(parameters.map((p) => [`p.${p.name}`, undefined])) })}">Clear filters</a>` : ''}
</form>
${
  shown.rows.length === 0
    ? html`<p class="empty-state">${d.experiments.length === 0 ? 'No experiments yet.' : 'No experiment matches these filters.'}</p>`
    : html`${pager('')}<div class="table-wrap"><table class="experiments compact">
<thead><tr>${sortHeader('seq', '#', true)}${sortHeader('status', 'Status')}${roles.map((r) => sortHeader(r, r))}${conditionNames.map((p) => sortHeader(p.name, p.kind === 'numeric' && p.unit ? `${p.name} (${p.unit})` : p.name))}${sortHeader('result', `${target}${unit ? ` (${unit})` : ''}`, true)}${sortHeader('predicted', 'Predicted', true)}<th scope="col" class="wide">Why</th>${operator ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : ''}</tr></thead>
<tbody>${shown.rows.map((rec) => {
        const e = rec.experiment;
        const result = d.results.get(e.id);
        const value = rec.values[target];
        return html`<tr id="exp-${e.seq}" class="${result?.excludedReason ? 'excluded' : ''}">
<td class="num nowrap">${e.seq}<span class="muted small"> · b${e.batch}</span></td>
<td>${badge(e.status)}${e.failureReason ? html`<br><span class="muted small">${e.failureReason}</span>` : ''}</td>
${roles.map((role) => html`<td class="mol-cell"><div class="mol-choice">${e.substances[role] ? moleculeImg(e.substances[role] ?? '', String(e.parameters[role]), 'thumb') : ''}<span class="small choice" title="${e.substances[role] ?? ''}">${String(e.parameters[role] ?? '—')}</span></div></td>`)}
${conditionNames.map((p) => html`<td class="small">${String(e.parameters[p.name] ?? '—')}</td>`)}
<td class="num result"><span class="value">${withUnit(value, unit)}</span>${result?.excludedReason ? html`<br><span class="small warn" title="${result.excludedReason}">excluded</span>` : ''}</td>
<td class="num small">${rec.predicted === null ? '—' : html`${fmt(rec.predicted)}<span class="muted"> ± ${fmt(rec.sigma)}</span>`}</td>
<td class="wide small"><span class="clamp" title="${e.proposal.reason}">${e.proposal.reason}</span></td>
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
      })}</tbody></table></div>${pager(' (bottom)')}`
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
  /** The page's whole query string, which the experiment table's sort, filter and page links extend. */
  search?: string;
}

/** The sections that change as the campaign runs, in page order. */
export function liveSections(d: CampaignPageData, principal: Principal, query: CampaignPageQuery) {
  return html`${overviewSection(d, principal)}
${approvalSection(d, principal)}
${d.pareto ? paretoSection({ pareto: d.pareto, parameters: d.records.parameters, budget: d.view.budget, search: query.search ?? '' }) : ''}
${d.pareto ? modelSection(d) : html`<div class="columns">${progressSection(d)}${modelSection(d)}</div>`}
${proposalsSection(d)}
${priorSection(d.prior)}
<div class="columns">${landscapeSection(d, query)}${explainSection(d)}</div>
${experimentsSection(d, principal, query)}
${quarantineSection(d, principal)}
${activitySection(d)}`;
}

export function campaignPage(d: CampaignPageData, principal: Principal, query: CampaignPageQuery) {
  const { view } = d;
  const liveQuery = query.search ?? new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => typeof e[1] === 'string')).toString();
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
<p class="small"><a href="/campaigns/${view.campaignId}/file" id="campaign-file-link">Campaign file${principal.role === 'operator' ? ' (view, or start a copy)' : ''}</a>
 · <a href="/compare?c=${view.campaignId}" id="compare-link">Compare with other campaigns</a>${Object.keys(d.spec.space.substances).length > 0 ? html` · <a href="/campaigns/${view.campaignId}/suggestions" id="suggestions-link">Suggest new substances</a> · <a href="/campaigns/${view.campaignId}/screen" id="screen-link">Screen a library</a>` : ''}</p>
<div id="live-root">${liveSections(d, principal, query)}</div>
${suggestionForm(d, principal)}
${principal.role === 'operator' ? operatorForms(d) : ''}`,
  });
}
