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
  PriorCampaignSpec,
  PriorFileSpec,
  PriorSourceSpec,
  PriorTask,
  ScopeSpec,
  SimulatorLabSpec,
  EmulatorLabSpec,
  AnalyticLabSpec,
  AnalyticFunction,
  HttpLabSpec,
  MqttLabSpec,
  FilesLabSpec,
  ProfileLabSpec,
  RobotLabSpec,
  SpaceSpec,
} from './types.js';
export { CampaignSpecError, type CampaignIssue } from './errors.js';
export { campaignSpecSchema, labSchema, robotLabSchema, LAB_TYPES, ROBOT_LAB_TYPES, MAX_RANGE_VALUES, type CampaignSpecInput } from './schema.js';
export { ACQUISITIONS, INITIAL_DESIGNS, PARETO_ACQUISITIONS, PARETO_ACQUISITION_INFO, STRATEGIES, STRATEGY_INFO, type ParetoAcquisitionName, type StrategyName } from './kinds.js';
export { loadCampaignFile, parseCampaignSpec, type ParseOptions } from './load.js';
export { applyOverrides, type SpecOverrides } from './overrides.js';
export { resolveSpecPath } from './resolve.js';
export { confinedSpecPath, specDataFolders, specPaths, type SpecPath } from './confine.js';
export { LAB_PROFILE_HINT, type CampaignOrigin, type LabProfiles } from './lab-access.js';
export { checkRobotLab } from './checks.js';
export { specParameters, spaceParameters, labCapacity } from './parameters.js';
export { cellMatcher, plannerParameter, type ChoiceValue } from './match.js';
export { campaignSpecToYaml } from './stringify.js';
export { parseStoredSpec, storedSpecSchema, StoredSpecError } from './stored.js';
export type { SourceFormat } from './line-map.js';
export { substanceWarnings, type SubstanceWarning } from './chem-checks.js';
