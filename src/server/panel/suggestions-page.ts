/**
 * The panel's page of new substances for a campaign's role: choose the role, see the molecular
 * autoencoder's suggestions drawn, with the predicted outcome ± σ, the role's most similar substance
 * and the forward model's product; and what to paste into the campaign file to try one.
 */
import { html } from 'hono/html';
import type { Principal } from '../../auth/index.js';
import type { CampaignSuggestions } from '../../generative/campaign-suggestions.js';
import { withUnit } from './format.js';
import { panelLayout } from './layout.js';

export interface SuggestionsPageInput {
  campaignId: string;
  name: string;
  roles: string[];
  role: string;
  count: number;
  suggestions?: CampaignSuggestions;
  error?: string;
}

const depiction = (smiles: string, width: number, height: number) => `/api/molecules/depiction.svg?smiles=${encodeURIComponent(smiles)}&width=${width}&height=${height}`;

function results(s: CampaignSuggestions) {
  const aside = Object.entries(s.setAside);
  return html`<section class="card" id="suggestions" aria-labelledby="suggestions-heading"><h2 id="suggestions-heading">Suggested ${s.role} substances</h2>
<p class="small">Each is tried in ${s.basis}, scored by model version ${s.model.version} (${s.model.kind}, ${s.model.trainingSize} results); best first by predicted ${s.target} + 2σ.</p>
${
  s.proposals.length === 0
    ? html`<p class="empty-state">No suggestion passed the checks. Allow more (a lower similarity, a reactive group) through the API's <code>min_similarity</code> and <code>allow_reactive</code>, or try another role.</p>`
    : html`<ol class="suggestion-list">${s.proposals.map(
        (p) => html`<li class="suggestion">
  <img class="mol" src="${depiction(p.smiles, 200, 150)}" width="200" height="150" alt="suggested ${s.role} ${p.smiles}">
  <div>
    <p class="big num">${withUnit(p.mean, s.unit ?? null)} <span class="muted">± ${withUnit(p.sigma, s.unit ?? null)}</span></p>
    <p class="small"><code class="suggestion-smiles">${p.smiles}</code></p>
    <p class="small muted">most like ${p.nearest.name} (similarity ${p.nearest.similarity.toFixed(2)})</p>
    ${p.product ? html`<p class="small">forward model's product: <code>${p.product}</code></p>` : ''}
  </div>
</li>`,
      )}</ol>
<details><summary class="small">Add one to the campaign</summary><p class="small">Suggestions are never run by themselves: to try one, add it to the role in a copy of the campaign file, e.g.</p>
<pre class="small">space:
  substances:
    ${s.role}:
${s.proposals.slice(0, 3).map((p) => `      suggested-${p.rank}: '${p.smiles}'\n`).join('')}</pre></details>`
}
<p class="muted small">${s.decoded} points of the latent space decoded around ${s.startedFrom.join(', ')}: ${s.valid} valid molecules, ${s.novel} new ones that fit the role${aside.length ? `; set aside: ${aside.map(([k, n]) => `${k} (${n})`).join(', ')}` : ''}. Forward model's check: ${s.forwardCheck}. ${s.seconds.toFixed(1)} s.</p>
</section>`;
}

export function suggestionsPage(principal: Principal, input: SuggestionsPageInput) {
  const body = html`<nav aria-label="Breadcrumb" class="crumbs"><a href="/">Campaigns</a> › <a href="/campaigns/${input.campaignId}">${input.name}</a> ›</nav>
<div class="page-head"><h1>New substances</h1></div>
<section class="card">
  <p class="small">The molecular autoencoder proposes molecules near the role's best substances, checks them (a valid molecule of allowed size and elements, no reactive group or strained ring the role's substances lack, the same reaction by the forward model) and the campaign's model ranks them.</p>
  <form class="inline-form" method="get" action="/campaigns/${input.campaignId}/suggestions" id="suggestion-request">
    <label for="role">Role</label>
    <select id="role" name="role">${input.roles.map((r) => html`<option value="${r}"${r === input.role ? html` selected` : ''}>${r}</option>`)}</select>
    <label for="count">How many</label>
    <input id="count" name="count" type="number" min="1" max="50" value="${input.count}">
    <button type="submit" class="primary">Suggest</button>
  </form>
  ${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
</section>
${input.suggestions ? results(input.suggestions) : ''}`;
  return panelLayout({ title: `New substances · ${input.name}`, principal, body });
}
