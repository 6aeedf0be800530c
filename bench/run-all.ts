/** `npm run bench`: every benchmark in turn. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './lib.js';

const BENCHMARKS = ['loop.ts', 'suite.ts', 'campaign.ts', 'models.ts', 'service.ts', 'forward.ts', 'discovery.ts'];

for (const file of BENCHMARKS) {
  console.log(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'bench', file)], { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
