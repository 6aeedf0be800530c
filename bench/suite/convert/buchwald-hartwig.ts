/**
 * Buchwald–Hartwig amination with isoxazole additives (Ahneman et al., Science 360, 186 (2018)):
 * the project's example dataset examples/data/buchwald_hartwig_3955.csv (see
 * examples/data/README.md for its source and licence), copied into the suite.
 * Run: npx tsx bench/suite/convert/buchwald-hartwig.ts
 */
import { convertExample } from './example-task.js';

convertExample({
  task: 'buchwald-hartwig',
  campaign: 'buchwald-hartwig.yaml',
  dataset: 'data/buchwald_hartwig_3955.csv',
  sha256: '9f9263ecf59e99ef78a619d59bdf3894c6dcc8651249bca9683ed784acdc3e8b',
  rows: 3955,
});
