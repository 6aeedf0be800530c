#!/usr/bin/env node
// Runs the TypeScript CLI through tsx, so `npx athanor …` needs no build step.
import { registerTypeScript } from '../src/util/typescript-loader.mjs';

registerTypeScript();
await import('../src/cli.ts');
