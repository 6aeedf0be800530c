/**
 * A long-running command (serve, run) whose embedded database thread ends under it has no
 * database left: every statement fails from then on while the process would go on looking alive.
 * It exits instead, loudly, with its own exit code, so that a supervisor (systemd, a container's
 * restart policy) starts it again on the same data. Restarting the thread in place is not done:
 * requests and campaign steps in flight would have lost their transactions half-way, which only
 * a fresh start (reconciliation of each campaign, as after a kill -9) puts right.
 */
import type { Database } from '../db/index.js';

export const DATABASE_LOST_EXIT_CODE = 5;

export function exitWhenDatabaseLost(database: Database, report: (reason: Error) => void): void {
  database.onLost((reason) => {
    try {
      report(reason);
    } finally {
      process.exit(DATABASE_LOST_EXIT_CODE);
    }
  });
}
