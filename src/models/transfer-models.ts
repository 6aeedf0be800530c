/**
 * Models for prior data of related tasks (docs/transfer.md): an intrinsic coregionalisation GP
 * over all tasks (multitask-gp.ts) or a ranking-weighted ensemble of one GP per task
 * (ranking-ensemble.ts). Apart from the models so that the campaign schema can name them cheaply.
 */
export const TRANSFER_MODELS = ['multitask', 'ranking-ensemble'] as const;
export type TransferModel = (typeof TRANSFER_MODELS)[number];

/**
 * The default, by bench:transfer (docs/transfer.md): on Buchwald–Hartwig the ensemble halves the
 * experiments to a target aryl halide's top reactions where the multi-task GP did not (median
 * ratio to cold over five targets 0.36 against 1.24), and both halve them on direct arylation.
 */
export const DEFAULT_TRANSFER_MODEL: TransferModel = 'ranking-ensemble';
