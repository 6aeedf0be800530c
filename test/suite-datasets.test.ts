/**
 * The benchmark suite's reaction datasets (bench/suite/tasks): each converted file holds the
 * published number of reactions and the published best result, and its campaign file loads with
 * the product's loader and builds a space of exactly the expected candidates, every data row
 * being one of them.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildSpace } from '../src/agent/campaign-runtime.js';
import { loadCampaignFile, resolveSpecPath, specParameters } from '../src/campaign/index.js';
import { readCsv } from '../src/util/csv.js';

const TASKS = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'suite', 'tasks');

interface Published {
  /** Reactions (rows) in the published dataset. */
  rows: number;
  /** Best published value of the objective. */
  best: number;
  /** Candidates of the campaign's space: the complete grid, or the distinct measured conditions. */
  candidates: number;
  /** Substance roles and how many choices each has. */
  roles: Record<string, number>;
  numeric?: Record<string, number>;
}

/* Numbers from the publications and their data files (see each task's README.md). */
const PUBLISHED: Record<string, Published> = {
  'direct-arylation': { rows: 1728, best: 100, candidates: 1728, roles: { base: 4, ligand: 12, solvent: 4 }, numeric: { concentration: 3, temperature: 3 } },
  'buchwald-hartwig': { rows: 3955, best: 99.99999, candidates: 3955, roles: { aryl_halide: 15, ligand: 4, base: 3, additive: 22 } },
  deoxyfluorination: { rows: 740, best: 106, candidates: 740, roles: { alcohol: 37, sulfonyl_fluoride: 5, base: 4 } },
  'amide-coupling': { rows: 960, best: 98.71, candidates: 960, roles: { amine: 10, activator: 8, base: 4, solvent: 3 } },
  'imidazole-arylation': { rows: 1536, best: 110.28, candidates: 1536, roles: { aryl_bromide: 8, imidazole: 8, ligand: 24 } },
  'cpa-thiol-addition': { rows: 1075, best: 3.134624572, candidates: 1075, roles: { catalyst: 43, imine: 5, thiol: 5 } },
  'ni-borylation': { rows: 1578, best: 100, candidates: 1578, roles: { substrate: 33, ligand: 24, solvent: 2 } },
  'fullerene-adducts': { rows: 246, best: 0.953133, candidates: 216, roles: {}, numeric: { reaction_time: 6, sultine_equivalents: 6, temperature: 6 } },
};

describe('benchmark suite datasets', () => {
  it('every dataset task of the suite is listed here, and every listed task exists', async () => {
    const datasetTasks: string[] = [];
    for (const d of readdirSync(TASKS, { withFileTypes: true })) {
      const file = join(TASKS, d.name, 'campaign.yaml');
      if (!d.isDirectory() || !existsSync(file)) continue;
      const { spec } = await loadCampaignFile(file);
      if (spec.lab.type === 'simulator') datasetTasks.push(d.name);
    }
    expect(datasetTasks.sort()).toEqual(Object.keys(PUBLISHED).sort());
  });

  for (const [task, published] of Object.entries(PUBLISHED)) {
    it(`${task}: the published rows and best value; the campaign builds ${published.candidates} candidates covering every row`, async () => {
      const { spec } = await loadCampaignFile(join(TASKS, task, 'campaign.yaml'));
      expect(spec.lab.type).toBe('simulator');
      if (spec.lab.type !== 'simulator') return;
      expect(spec.budget).toEqual({ experiments: 100, batch: 5 });
      expect(resolveSpecPath(spec, spec.lab.dataset)).toBe(join(TASKS, task, 'data.csv'));
      if (spec.space.scope) expect(resolveSpecPath(spec, spec.space.scope.file)).toBe(join(TASKS, task, 'data.csv'));

      const { rows } = await readCsv(join(TASKS, task, 'data.csv'));
      expect(rows).toHaveLength(published.rows);
      const column = spec.lab.results[spec.objective.target] as string;
      const values = rows.map((r) => Number.parseFloat(r[column] ?? ''));
      expect(values.every(Number.isFinite)).toBe(true);
      const best = spec.objective.direction === 'maximize' ? Math.max(...values) : Math.min(...values);
      expect(best).toBeCloseTo(published.best, 6);
      const [low, high] = spec.objective.bounds ?? [-Infinity, Infinity];
      expect(values.every((v) => v >= low && v <= high)).toBe(true);

      const parameters = specParameters(spec);
      const count = (kind: string) => Object.fromEntries(parameters.filter((p) => p.kind === kind).map((p) => [p.name, p.choices.length]));
      expect(count('substance')).toEqual(published.roles);
      expect(count('numeric')).toEqual(published.numeric ?? {});

      const space = await buildSpace(spec);
      expect(space.size).toBe(published.candidates);
      const keys = new Set<string>();
      for (const row of rows) {
        const key = space.keyOfRow(row, spec.lab.columns);
        expect(key, `row ${JSON.stringify(row)} is no candidate`).not.toBeNull();
        keys.add(key as string);
      }
      expect(keys.size).toBe(published.candidates);
    });
  }
});
