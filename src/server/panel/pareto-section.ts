/**
 * The campaign page of a Pareto campaign (objective.pareto): the front (a scatter for two targets,
 * every pair of targets for more), the hypervolume after each result with random search's
 * expectation when the lab is a benchmark, and the trade-off table of the non-dominated recipes,
 * sortable by any column through the page's query (?front_sort=…&front_dir=…#pareto, so the view
 * survives the live refresh and works without the script). Data: src/server/pareto-view.ts.
 */
import { html, raw } from 'hono/html';
import type { ParameterInfo } from '../../campaign/index.js';
import type { ParetoPointView, ParetoView } from '../pareto-view.js';
import { withQuery } from './experiment-table.js';
import { fmt } from './format.js';
import { paretoScatterSvg, type ScatterPoint } from './pareto-plots.js';
import { bestSoFarSvg } from './plots.js';

export interface ParetoSectionInput {
  pareto: ParetoView;
  parameters: readonly ParameterInfo[];
  budget: number;
  /** The page's query string (the sort links extend it). */
  search: string;
  /** false: plain column heads (the printable report, whose route does not read the query). */
  sortable?: boolean;
}

function frontFigure(view: ParetoView) {
  const { targets } = view;
  const pointsOf = (i: number, j: number): ScatterPoint[] =>
    [...view.front, ...view.dominated, ...view.infeasible].map((p) => ({ experiment: p.experiment, x: p.values[targets[i]!.name]!, y: p.values[targets[j]!.name]!, status: p.status }));
  const referenceOf = (i: number, j: number) => (view.reference ? { reference: { x: view.reference[targets[i]!.name]!, y: view.reference[targets[j]!.name]! } } : {});
  if (targets.length === 2) {
    return raw(paretoScatterSvg({ id: 'pareto-scatter', x: targets[0]!, y: targets[1]!, points: pointsOf(0, 1), staircase: true, ...referenceOf(0, 1) }));
  }
  const pairs: [number, number][] = [];
  for (let i = 0; i < targets.length; i++) for (let j = i + 1; j < targets.length; j++) pairs.push([i, j]);
  return html`<div class="small-multiples" id="pareto-pairs">${pairs.map(
    ([i, j]) => raw(paretoScatterSvg({ id: `pareto-${i}-${j}`, x: targets[i]!, y: targets[j]!, points: pointsOf(i, j), staircase: false, compact: true, ...referenceOf(i, j) })),
  )}</div>`;
}

function hypervolumeFigure(view: ParetoView, budget: number) {
  const svg = bestSoFarSvg({
    values: view.hypervolume.map((s) => s.value),
    budget,
    target: 'hypervolume',
    unit: null,
    ...(view.random ? { random: view.random.hypervolume } : {}),
    id: 'hypervolume',
    title: 'Hypervolume of the Pareto front against experiments',
    yLabel: 'hypervolume',
    valueName: 'hypervolume',
  });
  const reference = view.reference
    ? Object.entries(view.reference)
        .map(([name, v]) => `${name} ${fmt(v, 3)}`)
        .join(', ')
    : undefined;
  return html`<figure>${raw(svg)}<figcaption>
<ul class="legend-list small">
  <li><span class="swatch swatch-best"></span>this campaign</li>
  ${view.random ? html`<li><span class="swatch swatch-random"></span>random search, expected (mean of ${view.random.runs} runs on ${view.random.source})</li>` : ''}
</ul>
<span class="muted small">The volume of target space the front dominates, up to the reference point${reference ? ` (${reference})` : ''}: the front's worst value on each target pushed out by 10 % of its range, the rule the planner uses, applied to the measured results; it moves as results arrive, and the curve is drawn again with it.</span>
${view.randomMissing ? html`<br><span class="muted small" id="random-missing">${view.randomMissing}.</span>` : ''}</figcaption></figure>`;
}

type SortKey = { kind: 'experiment' } | { kind: 'target'; name: string } | { kind: 'parameter'; info: ParameterInfo };

function sortKeyOf(text: string | null, view: ParetoView, parameters: readonly ParameterInfo[]): SortKey | undefined {
  if (!text) return undefined;
  if (text === 'experiment') return { kind: 'experiment' };
  if (text.startsWith('t.') && view.targets.some((t) => t.name === text.slice(2))) return { kind: 'target', name: text.slice(2) };
  const info = text.startsWith('p.') ? parameters.find((p) => p.name === text.slice(2)) : undefined;
  return info ? { kind: 'parameter', info } : undefined;
}

/** The trade-off table's rows in the order asked for (the front's own order, first target best first, by default). */
export function sortFront(view: ParetoView, parameters: readonly ParameterInfo[], sort: string | null, dir: string | null): ParetoPointView[] {
  const key = sortKeyOf(sort, view, parameters);
  if (!key) return view.front;
  const sign = dir === 'desc' ? -1 : 1;
  const value = (p: ParetoPointView): number | string => {
    if (key.kind === 'experiment') return p.experiment;
    if (key.kind === 'target') return p.values[key.name] ?? Number.NaN;
    const v = p.parameters[key.info.name];
    if (key.info.kind === 'numeric') return Number(v);
    // choices sort in the campaign file's order, as in the experiment table
    const index = (key.info.choices as string[]).indexOf(String(v));
    return index < 0 ? String(v ?? '') : index;
  };
  return [...view.front].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb));
    return sign * c || a.experiment - b.experiment;
  });
}

function tradeOffTable(input: ParetoSectionInput) {
  const { pareto: view, parameters } = input;
  const search = new URLSearchParams(input.search);
  const sort = search.get('front_sort');
  const dir = search.get('front_dir') === 'desc' ? 'desc' : 'asc';
  const rows = sortFront(view, parameters, sort, dir);
  const header = (key: string, label: string, numeric: boolean) => {
    if (input.sortable === false) return html`<th scope="col" class="${numeric ? 'num' : ''}">${label}</th>`;
    const active = sort === key;
    const next = active && dir === 'asc' ? 'desc' : 'asc';
    return html`<th scope="col" class="${numeric ? 'num' : ''}" aria-sort="${active ? (dir === 'asc' ? 'ascending' : 'descending') : 'none'}"><a class="sort" href="${withQuery(search, { front_sort: key, front_dir: next }, 'pareto')}">${label}${active ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}</a></th>`;
  };
  if (rows.length === 0) return html`<p class="empty-state">No result has every target yet${view.infeasible.length ? ' and keeps to the constraints' : ''}: the trade-off table fills as they arrive.</p>`;
  return html`<div class="table-wrap"><table id="tradeoff-table" class="compact"><caption>Trade-offs: the ${rows.length} non-dominated recipe${rows.length === 1 ? '' : 's'}; none is better on every target than another</caption>
<thead><tr>${header('experiment', '#', true)}${view.targets.map((t) => header(`t.${t.name}`, `${t.name} (${t.unit ? `${t.unit}, ` : ''}${t.direction === 'maximize' ? 'max' : 'min'})`, true))}${parameters.map((p) =>
    header(`p.${p.name}`, p.kind === 'numeric' && p.unit ? `${p.name} (${p.unit})` : p.name, p.kind === 'numeric'),
  )}</tr></thead>
<tbody>${rows.map(
    (p) => html`<tr id="front-${p.experiment}"><td class="num"><a href="#exp-${p.experiment}">${p.experiment}</a></td>${view.targets.map((t) => html`<td class="num">${fmt(p.values[t.name], 3)}</td>`)}${parameters.map((info) => {
      const v = p.parameters[info.name];
      return html`<td class="${info.kind === 'numeric' ? 'num' : ''}">${v === undefined || v === '' ? html`<span class="muted">none</span>` : String(v)}</td>`;
    })}</tr>`,
  )}</tbody></table></div>`;
}

export function paretoSection(input: ParetoSectionInput) {
  const view = input.pareto;
  const complete = view.front.length + view.dominated.length + view.infeasible.length;
  const limits = view.constraints.map((c) => `${c.target} ${c.operator === '<=' ? '≤' : '≥'} ${c.bound}`).join(', ');
  return html`<section id="pareto" data-live aria-labelledby="pareto-h" class="card">
<h2 id="pareto-h">Pareto front <span class="muted small">(${view.front.length} non-dominated of ${complete} complete result${complete === 1 ? '' : 's'})</span></h2>
<div class="columns">
<figure>${frontFigure(view)}<figcaption>
<ul class="legend-list small">
  <li><span class="marker marker-front"></span>on the front (no other result is at least as good on every target and better on one)${view.targets.length === 2 ? ', joined by the edge of what it dominates' : ''}</li>
  <li><span class="marker marker-dominated"></span>dominated</li>
  ${view.constraints.length ? html`<li><span class="marker marker-infeasible"></span>breaks ${limits} (left off the front)</li>` : ''}
  ${view.reference ? html`<li><span class="marker marker-reference">×</span>reference point of the hypervolume</li>` : ''}
</ul>
${view.targets.length > 2 ? html`<span class="muted small">Each panel is one pair of the ${view.targets.length} targets; the highlighted results are on the front of all of them, which in a single pair need not look non-dominated.</span>` : ''}
${view.incomplete.length ? html`<span class="muted small" id="pareto-incomplete">${view.incomplete.length} result${view.incomplete.length === 1 ? '' : 's'} missing a target (experiment${view.incomplete.length === 1 ? '' : 's'} ${view.incomplete.join(', ')}) ${view.incomplete.length === 1 ? 'is' : 'are'} not drawn.</span>` : ''}
</figcaption></figure>
${hypervolumeFigure(view, input.budget)}
</div>
${tradeOffTable(input)}
</section>`;
}
