/**
 * Step-template libraries on disk (gzipped JSON), the shipped one built from the train split of
 * mech-USPTO-15K by `athanor train-mechanism`, and building one from a JSON Lines file of
 * labelled mechanisms (the mech-USPTO format: one record per line with `steps`, each
 * `{ rxn, arrows }`; records without steps are skipped).
 */
import { createReadStream, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseArrow } from './arrows.js';
import { ElectronMoveError } from './electron-moves.js';
import { readSpecies, type MechanismRecord } from './replay.js';
import { StepTemplateLibrary, type StepLibraryData } from './step-templates.js';

export const SHIPPED_STEP_LIBRARY = fileURLToPath(new URL('../../models/mechanism-steps-uspto15k.json.gz', import.meta.url));

let shipped: StepTemplateLibrary | undefined;

export function readStepLibrary(path: string): StepTemplateLibrary {
  return StepTemplateLibrary.fromJSON(JSON.parse(gunzipSync(readFileSync(path)).toString('utf8')) as StepLibraryData);
}

export function shippedStepLibrary(): StepTemplateLibrary {
  shipped ??= readStepLibrary(SHIPPED_STEP_LIBRARY);
  return shipped;
}

export function writeStepLibrary(library: StepTemplateLibrary, path: string): void {
  writeFileSync(path, gzipSync(JSON.stringify(library.toJSON())));
}

export interface TrainingReport {
  records: number;
  mechanisms: number;
  steps: number;
  /** steps the engine could not read (a bad SMILES or arrow), with where */
  skipped: { line: number; step: number; reason: string }[];
  templates: number;
}

/** Counts the step templates of every labelled mechanism in a JSON Lines file. */
export async function trainStepLibrary(path: string, onProgress?: (line: number) => void): Promise<{ library: StepTemplateLibrary; report: TrainingReport }> {
  const library = new StepTemplateLibrary();
  const report: TrainingReport = { records: 0, mechanisms: 0, steps: 0, skipped: [], templates: 0 };
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let line = 0;
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let record: MechanismRecord;
    try {
      record = JSON.parse(text) as MechanismRecord;
    } catch (error) {
      throw new Error(`${path} line ${line}: not JSON (${(error as Error).message})`);
    }
    report.records++;
    if (line % 1000 === 0) onProgress?.(line);
    if (!Array.isArray(record.steps) || record.steps.length === 0) continue;
    report.mechanisms++;
    let previous = '';
    let first = '';
    for (const [k, step] of record.steps.entries()) {
      try {
        if (typeof step.rxn !== 'string' || !Array.isArray(step.arrows)) throw new ElectronMoveError('a step needs rxn and arrows');
        previous = library.add(readSpecies(step.rxn.split('>>')[0]!), step.arrows.map((a, i) => parseArrow(a, `step ${k + 1} arrow ${i + 1}`)), k === record.steps.length - 1, previous, first);
        if (k === 0) first = previous;
        report.steps++;
      } catch (error) {
        // the rest of this mechanism has no reliable predecessor: its transitions are not counted
        report.skipped.push({ line, step: k + 1, reason: (error as Error).message });
        break;
      }
    }
  }
  report.templates = library.size;
  return { library, report };
}
