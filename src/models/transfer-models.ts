/**
 * Models for prior data of related tasks (docs/transfer.md): an intrinsic coregionalisation GP
 * over all tasks (multitask-gp.ts) or a ranking-weighted ensemble of one GP per task
 * (ranking-ensemble.ts). Apart from the models so that the campaign schema can name them cheaply.
 */
export const TRANSFER_MODELS = ['multitask', 'ranking-ensemble'] as const;
export type TransferModel = (typeof TRANSFER_MODELS)[number];
