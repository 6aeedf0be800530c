/** Exit codes: 2 when the user's input is wrong (fix the file or the flags), 1 when running failed. */
// the error classes from their own small modules: every command imports this one, and the CLI
// loads a command's heavy modules only when that command runs
import { CampaignSpecError } from '../campaign/errors.js';
import { SpaceError } from '../planner/space-error.js';
import { HomeLockedError } from '../db/home-lock.js';
import { CampaignNotFoundError } from '../agent/campaign-not-found.js';

export class UsageError extends Error {}

export function exitCodeFor(error: unknown): number {
  if (
    error instanceof CampaignSpecError ||
    error instanceof SpaceError ||
    error instanceof UsageError ||
    error instanceof CampaignNotFoundError
  ) {
    return 2;
  }
  if (error instanceof HomeLockedError) return 3;
  return 1;
}

export function reportError(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`athanor: ${message}\n`);
  if (exitCodeFor(error) === 1 && process.env.ATHANOR_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exit(exitCodeFor(error));
}
