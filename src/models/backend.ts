/**
 * Which tensor backend runs the models. Native TensorFlow is fastest but is an optional install
 * that fails on many machines (no CUDA, no prebuilt binary), so the choice falls back step by step:
 * tfjs-node-gpu → tfjs-node → WebAssembly → plain JavaScript. The choice and why are reported so
 * that every model version records where it was trained.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

export interface BackendChoice {
  /** the name recorded with model versions: 'tfjs-node-gpu', 'tfjs-node', 'wasm' or 'cpu' */
  backend: string;
  /** why this one, including why the faster ones were passed over */
  reason: string;
}

export interface BackendCandidate {
  /** name reported and recorded */
  name: string;
  /** the tfjs engine's name for it once registered */
  engineName: string;
  /** imports and registers the backend; throws when it is not available here */
  load(): Promise<void>;
}

/** The parts of the tfjs engine the selection needs; a parameter so that tests can watch it. */
export interface TensorEngine {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
}

/**
 * Tries each candidate in order and activates the first that loads and initialises. Never throws
 * while a later candidate is left; the last resort ('cpu') is built into tfjs.
 */
export async function selectBackend(candidates: BackendCandidate[], engine: TensorEngine): Promise<BackendChoice> {
  const passedOver: string[] = [];
  for (const candidate of candidates) {
    try {
      await candidate.load();
      if (!(await engine.setBackend(candidate.engineName))) throw new Error('failed to initialise');
      await engine.ready();
      const reason = passedOver.length === 0 ? `${candidate.name} is available` : `${passedOver.join('; ')}; using ${candidate.name}`;
      return { backend: candidate.name, reason };
    } catch (error) {
      passedOver.push(`${candidate.name} unavailable (${firstLine(error)})`);
    }
  }
  throw new Error(`no tensor backend could be initialised: ${passedOver.join('; ')}`);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 160);
}

const require = createRequire(import.meta.url);

/** Imports a package by a name TypeScript does not try to resolve (optional dependencies). */
async function importOptional(name: string): Promise<unknown> {
  return import(name);
}

export const DEFAULT_CANDIDATES: BackendCandidate[] = [
  // Importing either native package registers the 'tensorflow' backend on the shared tfjs engine.
  { name: 'tfjs-node-gpu', engineName: 'tensorflow', load: async () => void (await importOptional('@tensorflow/tfjs-node-gpu')) },
  { name: 'tfjs-node', engineName: 'tensorflow', load: async () => void (await importOptional('@tensorflow/tfjs-node')) },
  {
    name: 'wasm',
    engineName: 'wasm',
    load: async () => {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm binaries are read from the package's dist folder, wherever npm put it.
      wasm.setWasmPaths(`${join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist')}/`);
    },
  },
  { name: 'cpu', engineName: 'cpu', load: async () => undefined },
];

export interface InitOptions {
  /** only these backends, in this order (e.g. ['cpu'] to force plain JavaScript) */
  prefer?: string[];
  /** where the one line naming the backend goes; null for silence. Default: stderr. */
  log?: ((line: string) => void) | null;
}

let initialised: Promise<BackendChoice> | undefined;
let chosen: BackendChoice | undefined;

/**
 * Picks and activates the tensor backend once per process; later calls return the same choice
 * (options of later calls are ignored).
 */
export function initTensorBackend(options: InitOptions = {}): Promise<BackendChoice> {
  initialised ??= (async () => {
    const candidates = options.prefer
      ? options.prefer.map((name) => {
          const found = DEFAULT_CANDIDATES.find((c) => c.name === name);
          if (!found) throw new Error(`unknown tensor backend ${name}; known: ${DEFAULT_CANDIDATES.map((c) => c.name).join(', ')}`);
          return found;
        })
      : DEFAULT_CANDIDATES;
    const choice = await selectBackend(candidates, tf);
    const log = options.log === undefined ? (line: string) => process.stderr.write(`${line}\n`) : options.log;
    log?.(`athanor models: tensor backend ${choice.backend} (${choice.reason})`);
    chosen = choice;
    return choice;
  })();
  return initialised;
}

/** The backend models run on: the chosen one once initTensorBackend has resolved. */
export function currentBackend(): string {
  return chosen?.backend ?? tf.getBackend();
}
