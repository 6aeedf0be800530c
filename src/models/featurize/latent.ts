/**
 * Substances as points of the molecular autoencoder's latent space (the shipped model, loaded on
 * first use): the distance the GP's 'latent' substance view compares them by. The latent mean of
 * each molecule is computed once. A substance the autoencoder cannot encode (too large, an atom it
 * never saw, the empty "none" choice) is its own kind: at distance 0 from itself and at the largest
 * distance (2, as from the origin to the prior's typical shell and back) from everything else.
 */
import { readAutoencoder } from '../../generative/autoencoder-file.js';
import type { MolecularAutoencoder } from '../../generative/autoencoder.js';
import { MoleculeVectors } from './molecule-vectors.js';

let model: MolecularAutoencoder | undefined;
const latents = new MoleculeVectors((smiles) => {
  model ??= readAutoencoder().model;
  return model.encode([smiles])[0]!;
});

const FAR = 2;

/** Mean squared difference of the latent means (0 for the same molecule; about 2 between prior draws). */
export function latentDistance(a: string, b: string): number {
  if (a === b) return 0;
  const za = latents.of(a);
  const zb = latents.of(b);
  if (!za || !zb) return FAR;
  let sum = 0;
  for (let i = 0; i < za.length; i++) sum += (za[i]! - zb[i]!) ** 2;
  return sum / za.length;
}
