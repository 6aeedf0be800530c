/**
 * The long-running service's knobs, read from the environment (docs/operations.md): leases,
 * polling, how many campaigns a process takes, training workers and the default retraining
 * policy. An invalid value is refused with the variable's name rather than silently ignored.
 */
import { DEFAULT_LEASE_TTL_MS } from './campaign-leases.js';
import { DEFAULT_RETRAINING_POLICY, type RetrainingPolicy } from './retraining-policy.js';

export interface ServiceSettings {
  leaseTtlMs: number;
  pollIntervalMs: number;
  maxCampaigns?: number;
  /** Worker threads for surrogate fits; 0 trains on the main thread. */
  trainingWorkers: number;
  retraining: RetrainingPolicy;
}

export class ServiceSettingsError extends Error {}

function read(env: NodeJS.ProcessEnv, name: string, { min, integer }: { min: number; integer: boolean }): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    throw new ServiceSettingsError(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min}, got "${text}"`);
  }
  return value;
}

export function serviceSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): ServiceSettings {
  const everySeconds = read(env, 'ATHANOR_RETRAIN_SECONDS', { min: 0.001, integer: false });
  const maxCampaigns = read(env, 'ATHANOR_MAX_CAMPAIGNS', { min: 1, integer: true });
  return {
    leaseTtlMs: read(env, 'ATHANOR_LEASE_TTL_MS', { min: 100, integer: true }) ?? DEFAULT_LEASE_TTL_MS,
    pollIntervalMs: read(env, 'ATHANOR_POLL_MS', { min: 10, integer: true }) ?? 1000,
    trainingWorkers: read(env, 'ATHANOR_TRAINING_WORKERS', { min: 0, integer: true }) ?? 1,
    retraining: {
      everyResults: read(env, 'ATHANOR_RETRAIN_EVERY', { min: 1, integer: true }) ?? DEFAULT_RETRAINING_POLICY.everyResults,
      fullEvery: read(env, 'ATHANOR_FULL_RETRAIN_EVERY', { min: 1, integer: true }) ?? DEFAULT_RETRAINING_POLICY.fullEvery,
      waitSeconds: read(env, 'ATHANOR_RETRAIN_WAIT_SECONDS', { min: 0, integer: false }) ?? DEFAULT_RETRAINING_POLICY.waitSeconds,
      ...(everySeconds !== undefined ? { everySeconds } : {}),
    },
    ...(maxCampaigns !== undefined ? { maxCampaigns } : {}),
  };
}
