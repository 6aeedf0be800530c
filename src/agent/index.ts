export * from './campaign-machine.js';
export * from './campaign-runner.js';
export * from './campaign-runtime.js';
export * from './campaign-steps.js';
export * from './campaign-summary.js';
export * from './open-campaign.js';
export * from './supervisor.js';
