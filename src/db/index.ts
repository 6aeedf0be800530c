export * from './client.js';
export * from './schema.js';
export * from './repositories/campaigns.js';
export * from './repositories/events.js';
export * from './repositories/experiments.js';
export * from './repositories/results.js';
export * from './repositories/snapshots.js';
