/** Panel pages other than the campaign page: sign in, the campaign list, the campaign editor. */
import { html, raw } from 'hono/html';
import type { Principal } from '../../auth/index.js';
import type { CampaignSpec } from '../../campaign/index.js';
import type { EventRow } from '../../db/index.js';
import type { CampaignView } from '../services.js';
import type { CampaignTemplate } from '../templates.js';
import { ago, describeEvent, withUnit } from './format.js';
import { panelLayout } from './layout.js';

export function signInPage(options: { next: string; error?: string }) {
  return panelLayout({
    title: 'Sign in',
    principal: undefined,
    body: html`<div class="narrow card">
<h1>Sign in</h1>
<p>Paste an API token. <code>athanor serve</code> prints one the first time it starts; otherwise create one with
<code>npx athanor token create --role operator</code> (or <code>--role viewer</code> to watch only).</p>
${options.error ? html`<p class="error" role="alert" id="signin-error">${options.error}</p>` : ''}
<form method="post" action="/signin" class="stack">
  <input type="hidden" name="next" value="${options.next}">
  <label for="token">API token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required spellcheck="false"
    ${options.error ? html`aria-invalid="true" aria-describedby="signin-error"` : ''} autofocus>
  <button type="submit" class="primary">Sign in</button>
</form>
<p class="muted small">The token is kept in an HTTP-only cookie for this site only; sign out to forget it.</p>
</div>`,
  });
}

function statusBadge(status: string, state: string | null) {
  return html`<span class="badge status-${status}" title="${state ?? status}">${status}</span>`;
}

function labOf(spec: CampaignSpec): string {
  const lab = spec.lab as { type: string; dataset?: string; name?: string };
  if (lab.type === 'simulator') return `simulator${lab.dataset ? ` · ${lab.dataset.split('/').pop()}` : ''}`;
  return lab.name ? `${lab.type} · ${lab.name}` : lab.type;
}

export interface ListEntry {
  view: CampaignView;
  spec: CampaignSpec;
  lastEvent: EventRow | undefined;
}

/** The table body alone: what the live refresh swaps. */
export function campaignRows(entries: ListEntry[]) {
  const now = new Date();
  return html`<section id="campaign-table" data-live aria-labelledby="campaigns-heading">
${
  entries.length === 0
    ? html`<p class="empty-state">No campaigns yet.</p>`
    : html`<div class="table-wrap"><table class="campaigns">
<caption class="visually-hidden">Campaigns, newest first</caption>
<thead><tr><th scope="col">Campaign</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Best so far</th><th scope="col" class="wide">Lab</th><th scope="col" class="wide">Last event</th></tr></thead>
<tbody>${entries.map(({ view, spec, lastEvent }) => {
        const percent = view.budget > 0 ? Math.round((100 * view.experiments) / view.budget) : 0;
        return html`<tr>
<th scope="row"><a href="/campaigns/${view.campaignId}">${view.name}</a></th>
<td>${statusBadge(view.status, view.state)}</td>
<td><progress max="${view.budget}" value="${view.experiments}" aria-label="${view.experiments} of ${view.budget} experiments">${percent} %</progress>
<span class="num">${view.experiments} / ${view.budget}</span></td>
<td class="num">${withUnit(view.best?.value, view.unit)}${view.best ? html` <span class="muted small">#${view.best.experiment}</span>` : ''}</td>
<td class="wide">${labOf(spec)}</td>
<td class="wide">${lastEvent ? html`${describeEvent(lastEvent.type, lastEvent.payload)} <span class="muted small">${ago(lastEvent.at, now)}</span>` : '—'}</td>
</tr>`;
      })}</tbody></table></div>`
}
</section>`;
}

export function campaignListPage(principal: Principal, entries: ListEntry[]) {
  return panelLayout({
    title: 'Campaigns',
    principal,
    current: 'campaigns',
    pageData: { live: '/fragments/campaigns', stream: '/api/events/stream' },
    body: html`<div class="page-head"><h1 id="campaigns-heading">Campaigns</h1><div class="actions">${
      entries.length > 1 ? html`<a class="button" href="/compare">Compare campaigns</a>` : ''
    }${principal.role === 'operator' ? html`<a class="button primary" href="/campaigns/new">New campaign</a>` : ''}</div></div>
${campaignRows(entries)}`,
  });
}

export interface EditorTemplates {
  /** The examples one can start from. */
  available: CampaignTemplate[];
  /** The one in the editor now, if it came from one. */
  chosen?: string;
  /** A ?template= that names none. */
  error?: string;
}

function templateChooser(templates: EditorTemplates) {
  if (templates.available.length === 0) return '';
  return html`<form method="get" action="/campaigns/new" class="template-chooser actions" id="template-form">
  <label for="template">Start from an example</label>
  <select id="template" name="template">
    ${templates.available.map((t) => html`<option value="${t.name}"${t.name === templates.chosen ? raw(' selected') : ''}>${t.title}</option>`)}
  </select>
  <button type="submit">Use this example</button>
</form>
${templates.error ? html`<p class="error" role="alert" id="template-error">${templates.error}</p>` : ''}
${
  templates.chosen
    ? html`<p class="muted small" id="template-note">${templates.available.find((t) => t.name === templates.chosen)?.description ?? ''} Change what you need, then create it.</p>`
    : ''
}`;
}

export function newCampaignPage(principal: Principal, template: string, templates: EditorTemplates = { available: [] }) {
  return panelLayout({
    title: 'New campaign',
    principal,
    current: 'new',
    pageData: { page: 'editor' },
    body: html`<h1>New campaign</h1>
<p>Write the campaign file (YAML; the <a href="/api/docs#tag-campaigns">reference</a> lists every field), or start from one of the shipped examples. Relative paths, such as a simulator's
<code>dataset</code>, are read from the service's data folder. Problems are checked as you type.</p>
${templateChooser(templates)}
<form id="campaign-form" class="editor" novalidate>
  <div id="issues" class="issues" aria-live="polite"></div>
  <label for="spec">Campaign file</label>
  <div class="editor-wrap">
    <pre class="gutter" aria-hidden="true" id="gutter"></pre>
    <textarea id="spec" name="spec" rows="28" spellcheck="false" autocapitalize="off" autocomplete="off" aria-describedby="spec-help issues">${template}</textarea>
  </div>
  <p id="spec-help" class="muted small">Tab inserts two spaces; press Escape, then Tab, to leave the editor.</p>
  <div class="actions">
    <button type="button" id="validate">Check</button>
    <button type="submit" class="primary" id="create">Create and start</button>
  </div>
</form>`,
  });
}

export function notFoundPage(principal: Principal | undefined, message: string) {
  return panelLayout({ title: 'Not found', principal, body: html`<h1>Not found</h1><p>${message}</p><p><a href="/">All campaigns</a></p>` });
}
