/**
 * A child process of the suite's pool: runs the campaigns its parent sends, one at a time, and
 * answers with each trace. Started by pool.ts with `--import tsx`.
 */
import type { CampaignSpec } from '../../src/campaign/index.js';
import { CampaignExecutor } from './executor.js';
import type { ToParent, ToWorker } from './pool.js';

const executor = new CampaignExecutor();
const send = (message: ToParent) => process.send?.(message);

process.on('message', (message: ToWorker) => {
  if (message.type === 'stop') {
    void executor.close().finally(() => process.exit(0));
    return;
  }
  const { id, spec } = message;
  executor
    .run(spec as CampaignSpec)
    .then((trace) => send({ type: 'done', id, trace }))
    .catch((error: unknown) => send({ type: 'error', id, message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
});
send({ type: 'ready' });
