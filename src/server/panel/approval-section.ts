/**
 * The approval gate on the campaign page (planner.approval): the batch that waits, each proposal's
 * conditions as choosers an operator can change (an edit is sent at once, so a live refresh loses
 * nothing), drop one with a reason, approve or reject the whole batch; and, outside the live
 * sections because a person types in it, the form to add one's own experiment.
 */
import { html } from 'hono/html';
import type { Principal } from '../../auth/index.js';
import { specParameters, type CampaignSpec } from '../../campaign/index.js';
import { awaitsApproval, type ExperimentRow } from '../../db/index.js';
import type { CampaignPageData } from './campaign-data.js';
import { fmt, withUnit } from './format.js';

const FINISHED = ['completed', 'stopped', 'failed'];

function gateOf(spec: CampaignSpec): { required: boolean; autoApproveAfterS?: number } {
  const gate = spec.planner.approval;
  return { required: gate?.required === true, ...(gate?.auto_approve_after_s !== undefined ? { autoApproveAfterS: gate.auto_approve_after_s } : {}) };
}

/** A parameter's label with its unit, for people (the SMILES of a substance is on hover of its choice). */
function label(p: ReturnType<typeof specParameters>[number]): string {
  return 'unit' in p && p.unit ? `${p.name} (${p.unit})` : p.name;
}

function chooser(spec: CampaignSpec, e: ExperimentRow | undefined, p: ReturnType<typeof specParameters>[number], id: string, editable: boolean) {
  const current = e ? String(e.parameters[p.name]) : '';
  if (!editable) return html`${current}`;
  return html`<select id="${id}" name="${p.name}" aria-label="${label(p)}${e ? ` of experiment ${e.seq}` : ''}" ${e ? html`data-edit-seq="${e.seq}" data-parameter="${p.name}"` : ''} ${e ? '' : 'required'}>
${e ? '' : html`<option value="">choose…</option>`}${p.choices.map((choice) => {
    const value = String(choice);
    const smiles = p.kind === 'substance' ? p.smiles[value] : undefined;
    return html`<option value="${value}" ${value === current ? 'selected' : ''} ${smiles ? html`title="${smiles}"` : ''}>${value}</option>`;
  })}</select>`;
}

export function approvalSection(d: CampaignPageData, principal: Principal) {
  const gate = gateOf(d.spec);
  if (!gate.required) return '';
  const waiting = d.experiments.filter(awaitsApproval);
  const operator = principal.role === 'operator' && !FINISHED.includes(d.view.status);
  const parameters = specParameters(d.spec);
  const unit = d.view.unit;
  return html`<section id="approval" data-live aria-labelledby="approval-h" class="card">
<h2 id="approval-h">${waiting.length > 0 ? `Waiting for approval: ${waiting.length} proposal${waiting.length === 1 ? '' : 's'}` : 'Approval'}</h2>
${
  waiting.length === 0
    ? html`<p class="muted small" id="approval-none">No proposal waits now. Each batch the planner proposes waits here for an operator before it goes to the lab${
        gate.autoApproveAfterS !== undefined ? `, or is approved after ${gate.autoApproveAfterS} s if nobody decides` : ''
      }.</p>`
    : html`<p class="small">Nothing goes to the lab until an operator approves. ${operator ? 'Change a condition to another allowed value (saved at once), drop a proposal, or reject the whole batch with a reason: the planner then proposes others and never these again.' : 'An operator approves, changes or rejects them.'}${
        gate.autoApproveAfterS !== undefined ? ` If nobody decides, the batch is approved ${gate.autoApproveAfterS} s after it was planned.` : ''
      }</p>
<div class="table-wrap"><table id="approval-table">
<thead><tr><th scope="col">#</th>${parameters.map((p) => html`<th scope="col">${label(p)}</th>`)}<th scope="col" class="num">Predicted</th><th scope="col" class="num">σ</th><th scope="col">Why</th>${operator ? html`<th scope="col"><span class="visually-hidden">Drop</span></th>` : ''}</tr></thead>
<tbody>${waiting.map(
        (e) => html`<tr id="waiting-${e.seq}"><td class="num">${e.seq}</td>${parameters.map((p) => html`<td>${chooser(d.spec, e, p, `edit-${e.seq}-${p.name}`, operator)}</td>`)}
<td class="num">${withUnit(e.proposal.mean, unit)}</td><td class="num">${fmt(e.proposal.sigma)}</td>
<td class="small">${e.proposal.reason}${(e.proposal.edits ?? []).map((x) => html`<br><span class="muted">${x.parameter} changed from ${String(x.from)} to ${String(x.to)} by ${x.by}</span>`)}</td>
${operator ? html`<td><button type="button" class="small-button danger" id="drop-${e.seq}" data-action="drop-proposal" data-seq="${e.seq}">Drop…</button></td>` : ''}</tr>`,
      )}</tbody></table></div>
${
  operator
    ? html`<div class="actions"><button type="button" class="primary" id="approve-batch" data-action="approve-batch">Approve ${waiting.length === 1 ? 'it' : `all ${waiting.length}`}</button><button type="button" class="danger" id="reject-batch" data-action="reject-batch">Reject the batch…</button></div>`
    : ''
}`
}
</section>`;
}

/** A chemist's own experiment: every parameter, and why. Not live: a person types in it. */
export function suggestionForm(d: CampaignPageData, principal: Principal) {
  if (!gateOf(d.spec).required || principal.role !== 'operator' || FINISHED.includes(d.view.status)) return '';
  const parameters = specParameters(d.spec);
  return html`<section id="suggest" aria-labelledby="suggest-h" class="card">
<h2 id="suggest-h">Add your own experiment</h2>
<form id="suggest-form" class="grid-form">
${parameters.map((p) => html`<label for="suggest-${p.name}">${label(p)}</label>${chooser(d.spec, undefined, p, `suggest-${p.name}`, true)}`)}
<label for="suggest-reason">Why</label><input id="suggest-reason" name="reason" type="text" maxlength="500" required placeholder="what you expect from it">
<div class="actions"><button type="submit">Add to the queue</button></div>
</form>
<div id="suggest-issues" class="issues" aria-live="polite"></div>
</section>`;
}
