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

/** How `athanor run` meets an approval gate (planner.approval). */
export type ApprovalMode = 'all' | 'ask';

/** `--approve [mode]`: commander's parser for the mode (a bare --approve is `true`, meaning 'all'). */
export function approvalModeOf(value: string): ApprovalMode {
  if (value === 'all' || value === 'ask') return value;
  throw new InvalidArgumentError("must be 'all' or 'ask'");
}
