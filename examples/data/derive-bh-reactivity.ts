/**
 * Derives examples/data/bh-reactivity.csv, the reactivity table of the discovery example, from the
 * Buchwald–Hartwig dataset beside it (Ahneman et al., Science 360, 186 (2018)): one row per
 * measured combination of aryl halide, amine (p-toluidine throughout), additive, base and ligand,
 * with `reacted` = 1 when the coupling product formed in at least REACTED_AT % yield, the product
 * (the dataset's) when it did, and the yield itself.
 *
 *   npx tsx examples/data/derive-bh-reactivity.ts
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCsv } from '../../src/util/csv.js';

const REACTED_AT = 20;
const AMINE = 'Cc1ccc(N)cc1';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const { rows } = await readCsv(here('buchwald_hartwig_3955.csv'));
const columns = ['aryl_halide', 'aryl_halide_smiles', 'amine_smiles', 'additive', 'additive_smiles', 'base', 'base_smiles', 'ligand', 'ligand_smiles', 'yield', 'reacted', 'product_smiles'];
const quote = (cell: string) => (/[",\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell);
const lines = [columns.join(',')];
let reactedRows = 0;
for (const row of rows) {
  const yieldPercent = Number.parseFloat(row.yield ?? '');
  const reacted = yieldPercent >= REACTED_AT;
  if (reacted) reactedRows++;
  const out: Record<string, string> = {
    ...row,
    amine_smiles: AMINE,
    yield: yieldPercent.toFixed(2),
    reacted: reacted ? '1' : '0',
    product_smiles: reacted ? (row.product_smiles ?? '') : '',
  };
  lines.push(columns.map((c) => quote(out[c] ?? '')).join(','));
}
writeFileSync(here('bh-reactivity.csv'), `${lines.join('\n')}\n`);
console.log(`wrote ${rows.length} rows, ${reactedRows} reacted (yield ≥ ${REACTED_AT} %)`);
