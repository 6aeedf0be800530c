// Synchronous access to the loaded RDKit module. The public chemistry functions
// are synchronous (they sit inside tight featurisation loops), so RDKit must be
// loaded up front with initChem() and is then looked up here.
import type { Log } from '@rdkit/rdkit';
import { loadRdkit, type RDKitModule } from './rdkit.js';

interface Runtime {
  rdkit: RDKitModule;
  /** RDKit's error channel, captured so a failed parse can say why instead of printing to stderr */
  errors: Log | null;
}

let runtime: Runtime | undefined;

export async function initChem(): Promise<void> {
  const rdkit = await loadRdkit();
  runtime ??= { rdkit, errors: rdkit.set_log_capture('rdApp.error') };
}

export function requireRdkit(): RDKitModule {
  return requireRuntime().rdkit;
}

/** Runs `action` and returns it together with whatever RDKit logged as errors meanwhile. */
export function captureRdkitErrors<T>(action: (rdkit: RDKitModule) => T): { result: T; errors: string } {
  const { rdkit, errors } = requireRuntime();
  errors?.clear_buffer();
  const result = action(rdkit);
  const logged = errors?.get_buffer() ?? '';
  errors?.clear_buffer();
  return { result, errors: logged };
}

function requireRuntime(): Runtime {
  if (!runtime) throw new Error('chemistry not initialised: call initChem() first');
  return runtime;
}
