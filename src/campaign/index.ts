/* The campaign file: format, validation and the typed spec the rest of Athanor runs on.
 * Reference: docs/campaign-file.md. */
export type {
  BudgetSpec,
  CampaignFileSpec,
  CampaignSpec,
  Direction,
  ForbiddenRule,
  ForbiddenValue,
  InitialDesign,
  LabSpec,
  NumericParameterSpec,
  ObjectiveSpec,
  ParameterInfo,
  ParameterKind,
  PlannerSpec,
  ScopeSpec,
  SimulatorLabSpec,
  EmulatorLabSpec,
  AnalyticLabSpec,
  AnalyticFunction,
  HttpLabSpec,
  MqttLabSpec,
  FilesLabSpec,
  SpaceSpec,
} from './types.js';
export { CampaignSpecError, type CampaignIssue } from './errors.js';
export { campaignSpecSchema, labSchema, MAX_RANGE_VALUES, type CampaignSpecInput } from './schema.js';
export { loadCampaignFile, parseCampaignSpec, type ParseOptions } from './load.js';
export { applyOverrides, type SpecOverrides } from './overrides.js';
export { resolveSpecPath } from './resolve.js';
export { specParameters, spaceParameters, labCapacity } from './parameters.js';
export { cellMatcher, plannerParameter, type ChoiceValue } from './match.js';
export { campaignSpecToYaml } from './stringify.js';
export type { SourceFormat } from './line-map.js';
