/**
 * Flow synthesis of o-xylenyl adducts of C60 (sultine route), three process conditions on a
 * 6 × 6 × 6 full-factorial grid: B. E. Walker, J. H. Bannock, A. M. Nightingale, J. C. deMello,
 * "Tuning reaction products by constrained optimisation", React. Chem. Eng. 2, 785–798 (2017),
 * doi:10.1039/C7RE00123A. 246 measurements of 216 conditions (30 conditions measured two or three
 * times); the objective is the mole fraction of the desired adduct (0–1).
 *
 * Source: aspuru-guzik-group/olympus (MIT), src/olympus/datasets/dataset_fullerenes/data.csv, a
 * headerless CSV whose columns are, per the dataset's config.json: reaction_time (min),
 * sultine (equivalents of sultine relative to C60), temperature (°C), product (mole fraction).
 * Download it and run
 *   npx tsx bench/suite/convert/fullerene-adducts.ts data.csv
 * The conversion adds the header and units and keeps every row (the simulator reports the mean of
 * a condition's replicates). No substance varies, so this task is purely numeric.
 */
import { numberOf, parseCsvCells, readSource, writeCampaign, writeTaskCsv, type SourceFile } from './lib.js';

const TASK = 'fullerene-adducts';
export const SOURCE: SourceFile = {
  repo: 'aspuru-guzik-group/olympus',
  commit: 'e42c85909aa8d7b729ddebf1a7108b2a4a493620',
  path: 'src/olympus/datasets/dataset_fullerenes/data.csv',
  sha256: '87aa0927f0180a0f7d46dffb0b707df5caccc879492dbc0688ac3252414d4441',
};
const PUBLISHED_ROWS = 246;
const LEVELS = 6;

const rows = parseCsvCells(readSource(SOURCE)).map((cells, i) => {
  if (cells.length !== 4) throw new Error(`row ${i + 1}: ${cells.length} cells, expected 4`);
  const [time, sultine, temperature, fraction] = cells.map((c, j) => numberOf(c, `row ${i + 1} column ${j + 1}`)) as [number, number, number, number];
  return { reaction_time_min: time, sultine_equivalents: sultine, temperature_c: temperature, product_fraction: fraction };
});
if (rows.length !== PUBLISHED_ROWS) throw new Error(`${TASK}: ${rows.length} rows, the dataset has ${PUBLISHED_ROWS}`);

const levels = (column: keyof (typeof rows)[number]) => [...new Set(rows.map((r) => r[column]))].sort((a, b) => a - b);
const numeric = {
  reaction_time: { values: levels('reaction_time_min'), unit: 'min' },
  sultine_equivalents: { values: levels('sultine_equivalents'), unit: 'equiv' },
  temperature: { values: levels('temperature_c'), unit: '°C' },
};
for (const [name, p] of Object.entries(numeric)) {
  if (p.values.length !== LEVELS) throw new Error(`${TASK}: ${name} has ${p.values.length} levels, the design has ${LEVELS}`);
}
const conditions = new Set(rows.map((r) => `${r.reaction_time_min}|${r.sultine_equivalents}|${r.temperature_c}`));
if (conditions.size !== LEVELS ** 3) throw new Error(`${TASK}: ${conditions.size} distinct conditions, the full factorial has ${LEVELS ** 3}`);

writeTaskCsv(TASK, Object.keys(rows[0] ?? {}), rows);
writeCampaign(TASK, {
  header: [
    'o-Xylenyl C60 adducts in flow: Walker, Bannock, Nightingale, deMello, React. Chem. Eng. 2, 785 (2017).',
    '6 reaction times x 6 sultine equivalents x 6 temperatures = 216 conditions (the full factorial),',
    '246 measurements: the simulator reports the mean of a condition measured more than once.',
  ],
  name: 'C60 o-xylenyl adducts in flow (Walker 2017)',
  description: 'Flow reaction of C60 with a sultine; choose residence time, sultine equivalents and temperature to maximise the mole fraction of the desired adduct. Simulated from the published 216-condition grid.',
  objective: { target: 'product_fraction', direction: 'maximize', bounds: [0, 1] },
  numeric,
  columns: { reaction_time: 'reaction_time_min', sultine_equivalents: 'sultine_equivalents', temperature: 'temperature_c' },
  scope: false,
  results: { product_fraction: 'product_fraction' },
});
console.log(`${TASK}: ${rows.length} rows written`);
