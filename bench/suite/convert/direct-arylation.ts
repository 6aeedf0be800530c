/**
 * Direct arylation (Shields et al., Nature 590, 89 (2021)): the project's example dataset
 * examples/data/direct_arylation.csv (see examples/data/README.md for its source and licence),
 * copied into the suite. Run: npx tsx bench/suite/convert/direct-arylation.ts
 */
import { convertExample } from './example-task.js';

convertExample({
  task: 'direct-arylation',
  campaign: 'direct-arylation.yaml',
  dataset: 'data/direct_arylation.csv',
  sha256: '92d9d729be5deacdf597e466fde0cee53259e26eb9685e8f266f1da1f01641cb',
  rows: 1728,
});
