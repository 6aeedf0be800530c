/** The approval gate (planner.approval): what waits, approve, reject, edit a proposal, add one's own experiment. */
import { z } from 'zod';
import { approvalState, approveProposals, editProposal, rejectProposals, suggestExperiment } from '../../agent/index.js';
import type { ApiBuilder } from '../openapi/api-builder.js';
import { campaignParams, errorSchema, experimentSchema } from '../openapi/schemas.js';
import type { Services } from '../services.js';

const reason = z.string().trim().max(500, 'at most 500 characters');
const experimentNumbers = z.array(z.int().positive()).min(1).max(1000).describe('Experiment numbers; leave out for every proposal that waits');
const parameterValues = z
  .record(z.string().min(1).max(200), z.union([z.string().max(2000), z.number()]))
  .describe('Parameter → value: a substance by its choice name or SMILES, a number, a category — one of the values the campaign file allows');

const approvalSchema = z.object({
  required: z.boolean().describe('Whether planned batches wait for an operator (planner.approval.required)'),
  autoApproveAfterS: z.number().nullable().describe('Seconds after which a batch nobody decided on is approved (null: never)'),
  awaiting: z.array(experimentSchema).describe('Proposals waiting for a decision, in planning order'),
  choices: z.record(z.string(), z.array(z.union([z.string(), z.number()]))).describe('Each parameter\'s allowed values, for edits and suggestions'),
});

const decided = z.object({ experiments: z.array(experimentSchema) });

export function approvalRoutes(api: ApiBuilder, services: Services): void {
  api.define(
    {
      method: 'get',
      path: '/api/campaigns/:id/approval',
      tag: 'approval',
      summary: 'The approval gate: whether it is on, and the proposals that wait for a decision',
      access: 'read',
      params: campaignParams,
      responses: { 200: { description: 'The gate and what waits', schema: approvalSchema }, 404: { description: 'No such campaign', schema: errorSchema } },
    },
    async (c, { params }) => {
      const row = await services.campaign(params.id);
      const state = await approvalState(services.operator(c), row.id);
      const space = await services.space(row).catch(() => undefined);
      const choices = Object.fromEntries(
        (space?.parameters ?? []).map((p) => [p.name, p.kind === 'substance' ? p.choices.map((choice) => choice.name) : 'values' in p ? [...p.values] : []]),
      );
      return c.json({ ...state, choices });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/approval/approve',
      tag: 'approval',
      summary: 'Approve the waiting batch (or the experiments named) for dispatch',
      description: 'The loop dispatches once no proposal waits. Recorded as a `proposals.approved` event naming who.',
      access: 'operate',
      params: campaignParams,
      body: z.strictObject({ experiments: experimentNumbers.optional() }).optional(),
      responses: {
        200: { description: 'The proposals approved', schema: decided },
        409: { description: 'No gate, nothing waits, the experiment named does not wait, or the campaign has ended', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      await services.campaign(params.id);
      return c.json({ experiments: await approveProposals(services.operator(c), params.id, body?.experiments) });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/approval/reject',
      tag: 'approval',
      summary: 'Reject the waiting batch (or the experiments named) with a reason',
      description:
        'Rejected proposals are cancelled (no budget used) and their candidates are never proposed again. Once nothing waits the planner plans a new batch ' +
        '(the rejected candidates excluded); approved ones left are dispatched. Recorded as a `proposals.rejected` event with who and why.',
      access: 'operate',
      params: campaignParams,
      body: z.strictObject({ reason: reason.min(1, 'say why'), experiments: experimentNumbers.optional() }),
      responses: {
        200: { description: 'The proposals rejected', schema: decided },
        409: { description: 'No gate, nothing waits, or the experiment named does not wait', schema: errorSchema },
        422: { description: 'No reason given', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      await services.campaign(params.id);
      return c.json({ experiments: await rejectProposals(services.operator(c), params.id, body.reason, body.experiments) });
    },
  );

  api.define(
    {
      method: 'patch',
      path: '/api/campaigns/:id/proposals/:seq',
      tag: 'approval',
      summary: 'Edit a waiting proposal: change parameters to other allowed values',
      description: 'Only while it waits for approval. The new combination must be in the campaign\'s space and not already planned or run. Recorded in the proposal (`edits`) and as a `proposal.edited` event.',
      access: 'operate',
      params: campaignParams.extend({ seq: z.string().regex(/^\d+$/, 'the experiment number (1, 2 …)') }),
      body: z.strictObject({ parameters: parameterValues, reason: reason.optional() }),
      responses: {
        200: { description: 'The edited proposal', schema: z.object({ experiment: experimentSchema }) },
        409: { description: 'It does not wait for approval, or these conditions are already planned or run', schema: errorSchema },
        422: { description: 'An unknown parameter, a value the parameter does not allow, or a combination outside the space (the field is named)', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      const row = await services.campaign(params.id);
      const experiment = await editProposal(services.operator(c), row.id, Number(params.seq), body.parameters, body.reason, await services.space(row));
      return c.json({ experiment });
    },
  );

  api.define(
    {
      method: 'post',
      path: '/api/campaigns/:id/suggestions',
      tag: 'approval',
      summary: 'Add an experiment of one\'s own, with the reason for it',
      description:
        'Every parameter must be given. It joins the queue as planned and approved by its author (strategy `chemist`), within the budget, and is dispatched with the waiting batch or at once. Recorded as a `proposal.suggested` event.',
      access: 'operate',
      params: campaignParams,
      body: z.strictObject({ parameters: parameterValues, reason: reason.min(1, 'say why') }),
      responses: {
        201: { description: 'The experiment added', schema: z.object({ experiment: experimentSchema }) },
        409: { description: 'The budget is spent, these conditions are already planned or run, or the campaign has ended', schema: errorSchema },
        422: { description: 'A missing or unknown parameter, a value it does not allow, or a combination outside the space', schema: errorSchema },
      },
    },
    async (c, { params, body }) => {
      const row = await services.campaign(params.id);
      const experiment = await suggestExperiment(services.operator(c), row.id, body.parameters, body.reason, await services.space(row));
      return c.json({ experiment }, 201);
    },
  );
}
