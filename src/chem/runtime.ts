// Synchronous access to the loaded RDKit module. The public chemistry functions
// are synchronous (they sit inside tight featurisation loops), so RDKit must be
// loaded up front with initChem() and is then looked up here.
import type { Log } from '@rdkit/rdkit';
import { loadRdkit, type RDKitModule } from './rdkit.js';

interface Runtime {
  rdkit: RDKitModule;
  /** RDKit's error channel, captured so a failed parse can say why instead of printing to stderr */
  errors: Log | null;
  /** set once the wasm has trapped; its heap may be corrupt from then on */
  crash?: Error;
}

let runtime: Runtime | undefined;

export async function initChem(): Promise<void> {
  const rdkit = await loadRdkit();
  if (!runtime) {
    // RDKit's warnings (e.g. about lone hydrogen atoms in reagents) would go straight to stderr,
    // bypassing the structured log; what matters to a caller surfaces as an error instead.
    rdkit.disable_logging('rdApp.warning');
    runtime = { rdkit, errors: rdkit.set_log_capture('rdApp.error') };
  }
}

export function requireRdkit(): RDKitModule {
  return requireRuntime().rdkit;
}

/** What RDKit logged as errors since the last call; reading empties it. */
export type TakeRdkitErrors = () => string;

/**
 * Runs `action` against RDKit. A wasm trap (stack overflow, out-of-bounds
 * access) may leave RDKit's heap corrupt and later calls hanging, so after one
 * every further use is refused.
 */
export function useRdkit<T>(action: (rdkit: RDKitModule, takeErrors: TakeRdkitErrors) => T): T {
  const current = requireRuntime();
  const { rdkit, errors } = current;
  const takeErrors: TakeRdkitErrors = () => {
    const logged = errors?.get_buffer() ?? '';
    errors?.clear_buffer();
    return logged;
  };
  try {
    return action(rdkit, takeErrors);
  } catch (error) {
    if (isWasmTrap(error)) current.crash = error;
    throw error;
  }
}

// WebAssembly.RuntimeError, recognised by name because this project's TypeScript lib has no WebAssembly globals.
function isWasmTrap(error: unknown): error is Error {
  return error instanceof Error && error.name === 'RuntimeError';
}

function requireRuntime(): Runtime {
  if (!runtime) throw new Error('chemistry not initialised: call initChem() first');
  if (runtime.crash) {
    throw new Error(`RDKit crashed earlier (${runtime.crash.message}) and cannot be used safely; restart the process`);
  }
  return runtime;
}
