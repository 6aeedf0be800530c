/** Parsers for command-line options, shared by every command (light: loaded before any command runs). */
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
}

/** A campaign's id as the CLI takes it (a UUID; athanor status lists them). */
export const CAMPAIGN_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A repeatable option's values, in the order given. */
export function collect(value: string, values: string[] = []): string[] {
  return [...values, value];
}

/** `athanor screen --rank`: by the predicted value, or optimistically. */
export function rankingOf(value: string): 'mean' | 'ucb' {
  if (value === 'mean' || value === 'ucb') return value;
  throw new InvalidArgumentError("must be 'mean' or 'ucb'");
}

/** How `athanor run` meets an approval gate (planner.approval). */
export type ApprovalMode = 'all' | 'ask';

/** `--approve [mode]`: commander's parser for the mode (a bare --approve is `true`, meaning 'all'). */
export function approvalModeOf(value: string): ApprovalMode {
  if (value === 'all' || value === 'ask') return value;
  throw new InvalidArgumentError("must be 'all' or 'ask'");
}
