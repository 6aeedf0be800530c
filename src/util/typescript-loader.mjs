// Runs TypeScript without a build step (tsx), for the CLI and for worker threads (which do not
// inherit the loader their parent registered).
import { register } from 'tsx/esm/api';

/**
 * Registers tsx. tsx also turns on Node's source maps for every module loaded after it, and Node
 * then reads and parses each dependency's .map file (tfjs's are megabytes): measured, a third of
 * the CLI's start-up (5.6 s → 3.7 s on a busy 2-core machine). They stay off unless asked for:
 * ATHANOR_SOURCE_MAPS=1, ATHANOR_DEBUG (which prints stack traces) or node --enable-source-maps
 * give stack traces in TypeScript lines.
 */
export function registerTypeScript() {
  register();
  const asked = process.env.ATHANOR_SOURCE_MAPS === '1' || Boolean(process.env.ATHANOR_DEBUG) || process.execArgv.includes('--enable-source-maps') || /--enable-source-maps\b/.test(process.env.NODE_OPTIONS ?? '');
  if (!asked) process.setSourceMapsEnabled(false);
}
