// `npm test`: the type check and the test files at the same time, because tsc would otherwise
// hold the suite up for most of a minute on one core while the other waits. Arguments go to vitest.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = (name) => fileURLToPath(new URL(`../node_modules/.bin/${name}`, import.meta.url));

function run(command, args, capture) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: capture ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    let output = '';
    if (capture) {
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
    }
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

const [types, tests] = await Promise.all([run(bin('tsc'), ['--noEmit'], true), run(bin('vitest'), ['run', ...process.argv.slice(2)], false)]);
if (types.code !== 0) process.stdout.write(`\ntsc --noEmit found type errors:\n${types.output}\n`);
else process.stdout.write('\ntsc --noEmit: no type errors\n');
process.exit(types.code || tests.code);
