/**
 * The panel's token page, for operators: who holds which token, a form to hand out a new one (its
 * secret shown once, on this page only) and a revoke button per token. The same API the CLI
 * uses (src/server/routes/tokens.ts).
 */
import { html } from 'hono/html';
import { LOCAL_CLI_TOKEN, type Principal } from '../../auth/index.js';
import type { ApiTokenRow, CampaignRow } from '../../db/index.js';
import { ago } from './format.js';
import { panelLayout } from './layout.js';

const ROLE_WORDS: Record<string, string> = {
  viewer: 'viewer — watches campaigns, downloads results',
  operator: 'operator — creates and steers campaigns, manages tokens',
  lab: 'lab — a robot that reports results to chosen campaigns',
};

/** The token table alone: what the page swaps after a change. */
export function tokenTable(principal: Principal, tokens: ApiTokenRow[], campaigns: Map<string, string>, showRevoked: boolean) {
  const now = new Date();
  return html`<section id="token-table" data-live aria-labelledby="tokens-list-h" class="card">
<h2 id="tokens-list-h">${showRevoked ? 'All tokens' : 'Live tokens'}</h2>
${
  tokens.length === 0
    ? html`<p class="empty-state">No tokens.</p>`
    : html`<div class="table-wrap"><table>
<caption class="visually-hidden">API tokens, oldest first</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Starts with</th><th scope="col">Campaigns</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${tokens.map((t) => {
        const yours = t.id === principal.tokenId;
        const bound = t.role === 'lab' ? (t.campaignIds ?? []).map((id) => campaigns.get(id) ?? id).join(', ') || 'none' : 'all';
        return html`<tr id="token-${t.id}" data-name="${t.name}">
<th scope="row">${t.name}${yours ? html` <span class="muted small">(you)</span>` : ''}${
          t.name === LOCAL_CLI_TOKEN && !t.revokedAt ? html`<br><span class="muted small">the running service's own, for CLI commands on its home; made anew at each start</span>` : ''
        }</th><td>${t.role}</td><td><code>${t.prefix}…</code></td><td>${bound}</td>
<td>${ago(t.createdAt, now)}</td><td>${t.lastUsedAt ? ago(t.lastUsedAt, now) : 'never'}</td>
<td>${
          t.revokedAt
            ? html`<span class="muted">revoked ${ago(t.revokedAt, now)}</span>`
            : html`<button type="button" class="danger" data-revoke="${t.id}" data-name="${t.name}" data-yours="${yours ? 'yes' : 'no'}" aria-label="Revoke ${t.name}">Revoke…</button>`
        }</td></tr>`;
      })}</tbody></table></div>`
}
<p class="small"><a href="/tokens${showRevoked ? '' : '?all=1'}">${showRevoked ? 'Show live tokens only' : 'Show revoked tokens too'}</a></p>
</section>`;
}

export function tokensPage(principal: Principal, tokens: ApiTokenRow[], campaigns: CampaignRow[], showRevoked: boolean) {
  const names = new Map(campaigns.map((c) => [c.id, c.name]));
  return panelLayout({
    title: 'API tokens',
    principal,
    current: 'tokens',
    // the live refresh adds the page's own query (?all=1) to this
    pageData: { page: 'tokens', live: '/fragments/tokens' },
    body: html`<h1>API tokens</h1>
<p>A token signs a person into this panel, or a program or robot into the API. Give each holder their own, so every action is recorded under their name,
and revoke it when they no longer need it: its panel sessions end at once.</p>
<section class="card" aria-labelledby="new-token-h">
<h2 id="new-token-h">New token</h2>
<form id="token-form" class="stack" novalidate>
  <label for="token-name">Name of the holder</label>
  <input id="token-name" name="name" required maxlength="64" autocomplete="off" spellcheck="false" aria-describedby="token-name-help">
  <p id="token-name-help" class="muted small">Letters, digits, spaces and . _ @ : - (up to 64), e.g. “ada lovelace” or “robot-bay-2”.</p>
  <label for="token-role">Role</label>
  <select id="token-role" name="role">
    ${(['viewer', 'operator', 'lab'] as const).map((role) => html`<option value="${role}">${ROLE_WORDS[role]}</option>`)}
  </select>
  <fieldset id="token-campaigns" class="compare-choices">
    <legend>Campaigns it reports to (lab tokens only)</legend>
    ${
      campaigns.length === 0
        ? html`<p class="muted small">No campaigns yet: create one before a lab token.</p>`
        : campaigns.map((c) => html`<label class="check"><input type="checkbox" name="campaigns" value="${c.id}"> ${c.name}</label>`)
    }
  </fieldset>
  <div id="token-issues" aria-live="polite"></div>
  <div class="actions"><button type="submit" class="primary" id="create-token">Create token</button></div>
</form>
<div id="token-created" class="token-once" hidden>
  <p><strong>Token for <span id="token-created-name"></span>.</strong> It is shown only this once; copy it now and hand it over safely:</p>
  <p><code id="token-secret"></code></p>
  <div class="actions"><button type="button" id="copy-token">Copy</button></div>
</div>
</section>
${tokenTable(principal, tokens, names, showRevoked)}
<dialog id="revoke-dialog" aria-labelledby="revoke-title">
  <form method="dialog" class="stack">
    <h2 id="revoke-title">Revoke this token?</h2>
    <p id="revoke-text" class="small"></p>
    <div class="actions"><button value="cancel" type="submit">Back</button><button value="confirm" class="danger" type="submit" id="revoke-confirm">Revoke</button></div>
  </form>
</dialog>`,
  });
}
