// Worker threads do not inherit the TypeScript loader the main thread registered (bin/athanor.js,
// vitest): register it here, then load the worker's body.
import { registerTypeScript } from '../../util/typescript-loader.mjs';

registerTypeScript();
await import('./worker.ts');
