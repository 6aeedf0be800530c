/** Exit codes: 2 when the user's input is wrong (fix the file or the flags), 1 when running failed. */
import { CampaignSpecError } from '../campaign/index.js';
import { SpaceError } from '../planner/space.js';
import { HomeLockedError } from '../db/home-lock.js';
import { CampaignNotFoundError } from '../agent/index.js';

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
