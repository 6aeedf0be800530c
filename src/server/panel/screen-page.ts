/**
 * The panel's virtual screening page: upload a library (a supplier catalogue, an in-house
 * collection) for one substance role of a campaign and see its molecules ranked by the campaign's
 * model, drawn, filterable, with the rows that could not be used and what to paste into the
 * campaign file to try one.
 */
import { html } from 'hono/html';
import type { Principal } from '../../auth/index.js';
import { rankedCsv, type LibraryScreenResult } from '../../screening/library-screen.js';
import { withUnit } from './format.js';
import { panelLayout } from './layout.js';

/** A background screen as the page lists it. */
export interface ScreenJobSummary {
  id: string;
  status: string;
  libraryName: string;
  libraryBytes: number;
  createdAt: Date;
  settings: Record<string, unknown>;
}

export interface ScreenPageInput {
  campaignId: string;
  name: string;
  roles: string[];
  role: string;
  top: number;
  rank: 'mean' | 'ucb';
  /** The uploaded file's name, once one was screened. */
  library?: string;
  result?: LibraryScreenResult;
  error?: string;
  /** The request limit (bytes): a library sent with the page may not be larger. */
  requestLimit: number;
  /** Present when the viewer may start background screens: where a library is uploaded, and how large it may be. */
  background?: { uploadUrl: string; uploadLimit: number };
  /** The campaign's background screens, newest first. */
  jobs?: ScreenJobSummary[];
}

/** Molecules drawn in the table; the rest are listed without a picture to keep the page light. */
const DRAWN = 50;
const depiction = (smiles: string) => `/api/molecules/depiction.svg?smiles=${encodeURIComponent(smiles)}&width=160&height=110`;

function csvLink(r: LibraryScreenResult): string {
  return `data:text/csv;charset=utf-8,${encodeURIComponent(rankedCsv(r))}`;
}

/** Bytes as people read them (1.2 MB). */
export function sizeOf(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

export function screenResults(r: LibraryScreenResult, library: string, csvHref = csvLink(r)) {
  const unit = r.unit ?? null;
  const reasons = Object.entries(r.rejected.byReason);
  return html`<section class="card" id="screen-results" aria-labelledby="screen-heading"><h2 id="screen-heading">Best ${r.ranked.length} of ${library} as ${r.role}</h2>
<p class="small">Each molecule replaces ${r.role} in ${r.basis}, scored by model version ${r.model.version} (${r.model.kind}, ${r.model.trainingSize} results); ordered by ${r.ranking === 'ucb' ? `predicted ${r.target} + 2σ (optimistic)` : `predicted ${r.target}`}.
For comparison, <strong>${r.inCampaign.name}</strong> (in the campaign): <span class="num">${withUnit(r.inCampaign.mean, unit)} ± ${withUnit(r.inCampaign.sigma, unit)}</span>${r.forward?.inCampaign ? html`, which the forward model takes to <code class="small">${r.forward.inCampaign}</code>` : ''}.${r.forward ? html` <span class="small muted" id="screen-forward">Forward model's products: ${r.forward.note}.</span>` : ''}</p>
<p class="small" id="screen-counts">${r.read.toLocaleString('en')} rows read: ${r.screened.toLocaleString('en')} molecules scored, ${r.duplicates.toLocaleString('en')} duplicate${r.duplicates === 1 ? '' : 's'}, ${r.rejected.count.toLocaleString('en')} unusable · ${r.seconds.toFixed(1)} s · <a href="${csvHref}" download="screen-${r.role}.csv" id="screen-csv">Download the ${r.ranked.length} as CSV</a></p>
${
  r.ranked.length === 0
    ? html`<p class="empty-state">No molecule of the library could be screened in this role (see the unusable rows below).</p>`
    : html`<p><label for="screen-filter" class="small">Filter by name or SMILES</label> <input id="screen-filter" type="search" data-filter-rows="screen-table" placeholder="e.g. Br or pyridine"></p>
<table class="table" id="screen-table"><thead><tr><th>#</th><th>structure</th><th>name · SMILES</th><th class="num">predicted ${r.target}</th><th class="num">σ</th>${r.forward?.predicted ? html`<th>forward product</th>` : ''}<th class="num">line</th></tr></thead><tbody>
${r.ranked.map(
  (m, i) => html`<tr data-smiles="${m.smiles}"><td class="num">${m.rank}</td><td>${i < DRAWN ? html`<img class="mol" src="${depiction(m.smiles)}" width="160" height="110" alt="${m.name || m.smiles}" loading="lazy">` : ''}</td><td>${m.name ? html`<strong>${m.name}</strong><br>` : ''}<code class="small">${m.smiles}</code></td><td class="num">${withUnit(m.mean, unit)}</td><td class="num">${withUnit(m.sigma, unit)}</td>${r.forward?.predicted ? html`<td class="product">${m.product === undefined ? '' : m.product === null ? html`<span class="muted small">no predicted reaction involves it</span>` : html`<code class="small">${m.product}</code>`}</td>` : ''}<td class="num">${m.line}</td></tr>`,
)}</tbody></table>
<details><summary class="small">Add one to the campaign</summary><p class="small">A screen never runs anything: to try a molecule, add it to the role in a copy of the campaign file, e.g.</p>
<pre class="small">space:
  substances:
    ${r.role}:
${r.ranked.slice(0, 3).map((m, i) => `      ${(m.name || `screened-${i + 1}`).replace(/[:#'"]/g, ' ').trim()}: '${m.smiles}'\n`).join('')}</pre></details>`
}
${
  r.rejected.count > 0
    ? html`<details id="screen-rejected"><summary class="small">${r.rejected.count.toLocaleString('en')} unusable rows (${reasons.map(([k, n]) => `${k}: ${n}`).join('; ')})</summary><ul class="small">${r.rejected.first.map((row) => html`<li>line ${row.line}${row.name ? ` (${row.name})` : ''}: ${row.reason}</li>`)}</ul>${r.rejected.count > r.rejected.first.length ? html`<p class="small muted">the first ${r.rejected.first.length} are listed</p>` : ''}</details>`
    : ''
}
</section>`;
}

function jobList(campaignId: string, jobs: ScreenJobSummary[]) {
  return html`<section class="card" id="screen-jobs" aria-labelledby="screen-jobs-heading"><h2 id="screen-jobs-heading">Background screens</h2>
<table class="table"><thead><tr><th>library</th><th>role</th><th class="num">size</th><th>status</th><th>started</th></tr></thead><tbody>
${jobs.map((j) => html`<tr><td><a href="/campaigns/${campaignId}/screens/${j.id}">${j.libraryName}</a></td><td>${String(j.settings.role ?? '')}</td><td class="num">${sizeOf(j.libraryBytes)}</td><td><span class="status status-${j.status}">${j.status}</span></td><td class="small">${j.createdAt.toISOString().replace('T', ' ').slice(0, 16)} UTC</td></tr>`)}
</tbody></table></section>`;
}

export function screenPage(principal: Principal, input: ScreenPageInput) {
  const body = html`<nav aria-label="Breadcrumb" class="crumbs"><a href="/">Campaigns</a> › <a href="/campaigns/${input.campaignId}">${input.name}</a> ›</nav>
<div class="page-head"><h1>Screen a library</h1></div>
<section class="card">
  <p class="small">Every molecule of a library (a CSV with a <code>smiles</code> column, SMILES lines in a .smi file, or an SDF) is tried in one role of the campaign's best reaction and ranked by the campaign's model. Up to ${sizeOf(input.requestLimit)} (about 20,000 molecules) the answer comes with the page; ${input.background ? html`larger libraries, up to ${sizeOf(input.background.uploadLimit)}, are screened in the background, with their progress on a page of their own.` : html`larger catalogues with <code>athanor screen</code>, or in the background by an operator.`}</p>
  <form class="inline-form" method="post" action="/campaigns/${input.campaignId}/screen" enctype="multipart/form-data" id="screen-request" data-request-limit="${input.requestLimit}"${input.background ? html` data-job-upload="${input.background.uploadUrl}" data-upload-limit="${input.background.uploadLimit}"` : ''}>
    <label for="library">Library</label>
    <input id="library" name="library" type="file" accept=".csv,.tsv,.smi,.smiles,.txt,.sdf,.sd" required>
    <label for="role">Role</label>
    <select id="role" name="role">${input.roles.map((r) => html`<option value="${r}"${r === input.role ? html` selected` : ''}>${r}</option>`)}</select>
    <label for="top">Keep the best</label>
    <input id="top" name="top" type="number" min="1" max="1000" value="${input.top}">
    <label for="rank">Order by</label>
    <select id="rank" name="rank"><option value="mean"${input.rank === 'mean' ? html` selected` : ''}>predicted value</option><option value="ucb"${input.rank === 'ucb' ? html` selected` : ''}>optimistic (mean + 2σ)</option></select>
    ${input.background ? html`<label class="small"><input type="checkbox" id="screen-background" name="background"> in the background</label>` : ''}
    <button type="submit" class="primary">Screen</button>
  </form>
  <p id="upload-status" class="small" hidden><progress id="upload-progress" max="1" value="0"></progress> <span id="upload-text"></span></p>
  ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
</section>
${input.result ? screenResults(input.result, input.library ?? 'the library') : ''}
${input.jobs && input.jobs.length > 0 ? jobList(input.campaignId, input.jobs) : ''}`;
  return panelLayout({ title: `Screen a library · ${input.name}`, principal, body });
}
