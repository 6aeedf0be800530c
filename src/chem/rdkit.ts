// The one place that loads RDKit.js. Everything else in src/chem asks for the
// module through here, so the wasm binary is instantiated once per process.
import rdkitPackage from '@rdkit/rdkit';
import type { MainModule, Mol } from '@rdkit/rdkit';

export type RDKitModule = MainModule;
export type RDKitMol = Mol;

let loading: Promise<RDKitModule> | undefined;

export async function loadRdkit(): Promise<RDKitModule> {
  // The package is CommonJS: from ESM its default import is `module.exports`,
  // which carries the factory both as itself and as `.default`; the typings
  // only know the latter.
  loading ??= rdkitPackage.default().catch((error: unknown) => {
    loading = undefined; // a later call may retry instead of inheriting the failure
    throw error;
  });
  return loading;
}
