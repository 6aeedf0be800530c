/**
 * The campaign loop as a declared state machine (docs/design.md, "The loop"). The machine holds no live
 * resources: its steps are injected by the runner, its context is a few serialisable numbers, and
 * its snapshot is persisted on every transition so that a restart resumes where it stopped.
 *
 *   running: initializing → planning → dispatching → awaiting ⇄ ingesting → retraining → planning …
 *   with an approval gate: planning → approving —APPROVED→ dispatching;  approving —REPLAN→ planning
 *   running —PAUSE→ paused —RESUME→ running (history: the step it was in)
 *   running | paused —STOP→ stopping → stopped;  done → completing → completed;  fault → failed
 */
import { assign, fromCallback, fromPromise, setup, type EventObject } from 'xstate';
import type { IngestOutcome, PlanOutcome } from './campaign-steps.js';

export interface CampaignContext {
  campaignId: string;
  /** Finished experiments the machine has taken into account. */
  finishedSeen: number;
  outcome?: string;
  error?: string;
}

export type CampaignEvent =
  | { type: 'RESULTS' }
  /** Every proposal that waited is approved (or the gate was turned off): dispatch. */
  | { type: 'APPROVED' }
  /** Every proposal that waited was rejected: plan again. */
  | { type: 'REPLAN' }
  | { type: 'PAUSE'; actor?: string }
  | { type: 'RESUME'; actor?: string }
  | { type: 'STOP'; actor?: string; reason?: string };

/**
 * Bumped whenever states or context change shape, so an old snapshot is not restored into a new
 * machine. (Adding `approving` left it at 1: every version-1 snapshot names a state that still exists.)
 */
export const CAMPAIGN_MACHINE_VERSION = 1;

function notProvided(name: string): never {
  throw new Error(`campaign machine step "${name}" was not provided by the runner`);
}

export const campaignMachine = setup({
  types: {
    context: {} as CampaignContext,
    events: {} as CampaignEvent,
    input: {} as { campaignId: string },
  },
  actors: {
    reconcile: fromPromise<void>(async () => notProvided('reconcile')),
    plan: fromPromise<PlanOutcome>(async () => notProvided('plan')),
    dispatch: fromPromise<void>(async () => notProvided('dispatch')),
    ingest: fromPromise<IngestOutcome>(async () => notProvided('ingest')),
    retrain: fromPromise<void>(async () => notProvided('retrain')),
    /** Sends APPROVED once no planned proposal waits for a person, REPLAN when all were rejected (checks at once, then on activity). */
    awaitApproval: fromCallback<EventObject>(() => notProvided('awaitApproval')),
    /** Sends RESULTS when finished experiments outnumber `finishedSeen` (checks at once, then on lab activity). */
    watchResults: fromCallback<EventObject, { finishedSeen: number }>(() => notProvided('watchResults')),
    finish: fromPromise<void, { status: 'completed' | 'stopped'; outcome: string; actor: string }>(async () => notProvided('finish')),
    fail: fromPromise<void, { error: string }>(async () => notProvided('fail')),
  },
  actions: {
    recordError: assign({
      error: ({ event }) => {
        const error = (event as { error?: unknown }).error;
        return error instanceof Error ? error.message : String(error);
      },
    }),
  },
}).createMachine({
  id: 'campaign',
  context: ({ input }) => ({ campaignId: input.campaignId, finishedSeen: 0 }),
  initial: 'running',
  states: {
    running: {
      initial: 'initializing',
      on: {
        PAUSE: 'paused',
        STOP: { target: 'stopping', actions: assign({ outcome: ({ event }) => event.reason ?? `stopped by ${event.actor ?? 'operator'}` }) },
      },
      states: {
        initializing: {
          invoke: { src: 'reconcile', onDone: 'planning', onError: { target: '#campaign.failing', actions: 'recordError' } },
        },
        planning: {
          invoke: {
            src: 'plan',
            onDone: [
              { guard: ({ event }) => event.output.next === 'dispatch', target: 'dispatching' },
              { guard: ({ event }) => event.output.next === 'approve', target: 'approving' },
              {
                guard: ({ event }) => event.output.next === 'complete',
                target: '#campaign.completing',
                actions: assign({ outcome: ({ event }) => (event.output.next === 'complete' ? event.output.outcome : undefined) }),
              },
              { target: 'awaiting' },
            ],
            onError: { target: '#campaign.failing', actions: 'recordError' },
          },
        },
        // The approval gate (planner.approval): the batch is in the database as planned and waits
        // for a person; a restart restores this state and waits again.
        approving: {
          invoke: { src: 'awaitApproval' },
          on: { APPROVED: 'dispatching', REPLAN: 'planning' },
        },
        dispatching: {
          invoke: { src: 'dispatch', onDone: 'awaiting', onError: { target: '#campaign.failing', actions: 'recordError' } },
        },
        awaiting: {
          invoke: { src: 'watchResults', input: ({ context }) => ({ finishedSeen: context.finishedSeen }) },
          on: { RESULTS: 'ingesting' },
        },
        ingesting: {
          invoke: {
            src: 'ingest',
            onDone: [
              {
                guard: ({ event }) => event.output.next === 'complete',
                target: '#campaign.completing',
                actions: assign({
                  finishedSeen: ({ event }) => event.output.finished,
                  outcome: ({ event }) => (event.output.next === 'complete' ? event.output.outcome : undefined),
                }),
              },
              { target: 'retraining', actions: assign({ finishedSeen: ({ event }) => event.output.finished }) },
            ],
            onError: { target: '#campaign.failing', actions: 'recordError' },
          },
        },
        retraining: {
          invoke: { src: 'retrain', onDone: 'planning', onError: { target: '#campaign.failing', actions: 'recordError' } },
        },
        history: { type: 'history', history: 'shallow' },
      },
    },
    paused: {
      on: {
        RESUME: 'running.history',
        STOP: { target: 'stopping', actions: assign({ outcome: ({ event }) => event.reason ?? `stopped by ${event.actor ?? 'operator'}` }) },
      },
    },
    completing: {
      invoke: {
        src: 'finish',
        input: ({ context }) => ({ status: 'completed' as const, outcome: context.outcome ?? 'done', actor: 'agent' }),
        onDone: 'completed',
        onError: { target: 'failing', actions: 'recordError' },
      },
    },
    stopping: {
      invoke: {
        src: 'finish',
        input: ({ context }) => ({ status: 'stopped' as const, outcome: context.outcome ?? 'stopped', actor: 'operator' }),
        onDone: 'stopped',
        onError: { target: 'failing', actions: 'recordError' },
      },
    },
    failing: {
      invoke: { src: 'fail', input: ({ context }) => ({ error: context.error ?? 'unknown error' }), onDone: 'failed', onError: 'failed' },
    },
    completed: { type: 'final' },
    stopped: { type: 'final' },
    failed: { type: 'final' },
  },
});
