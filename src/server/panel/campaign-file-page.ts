/**
 * A campaign's file as it was written (the text the campaign was created from), and the way to
 * start another campaign from it: the editor opened with a copy (`/campaigns/new?from=ID`).
 */
import { html } from 'hono/html';
import type { Principal } from '../../auth/index.js';
import type { CampaignRow } from '../../db/index.js';
import { panelLayout } from './layout.js';

export function campaignFilePage(principal: Principal, row: CampaignRow) {
  const text = row.specSource.trim() === '' ? null : row.specSource;
  return panelLayout({
    title: `${row.name}: campaign file`,
    principal,
    body: html`<nav aria-label="Breadcrumb" class="crumbs"><a href="/">Campaigns</a> › <a href="/campaigns/${row.id}">${row.name}</a> ›</nav>
<h1>Campaign file</h1>
${
  text === null
    ? html`<p class="empty-state">This campaign was started from a campaign file that was not kept (a campaign made by a program); its effective settings are at <a href="/api/campaigns/${row.id}/spec">/api/campaigns/${row.id}/spec</a>.</p>`
    : html`<p class="muted small">As it was written when the campaign was created; budget and planner changes made since are in the activity log.</p>
<pre id="campaign-file" class="schema" tabindex="0">${text}</pre>
${principal.role === 'operator' ? html`<p><a class="button primary" id="clone-campaign" href="/campaigns/new?from=${row.id}">Start a new campaign from a copy</a></p>` : ''}`
}`,
  });
}

/** The editor's text for a copy of a campaign: its file with " (copy)" added to the name. */
export function copyOfCampaignFile(row: CampaignRow): string | undefined {
  if (row.specSource.trim() === '') return undefined;
  return /^name:\s*(.*)$/m.test(row.specSource)
    ? row.specSource.replace(/^name:\s*(.*)$/m, (_line, name: string) => `name: ${name.replace(/\s+$/, '')} (copy)`)
    : row.specSource;
}
