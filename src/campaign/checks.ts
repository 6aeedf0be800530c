import type { IssueList, PathSegment } from './errors.js';
import { sameNumber, specParameters } from './parameters.js';
import { isContinuousSpec, type CampaignSpec, type ParameterInfo, type RobotLabSpec } from './types.js';
import { checkContinuousSpace } from './continuous-checks.js';

import { isMultiObjectiveFunction, multiObjectiveProblemVariables } from './analytic-problems.js';
import { checkObjectiveTargets, hasSeveralTargets } from './objective-checks.js';

/* Checks that relate one part of a valid-shaped spec to another: no chemistry, no files. */

export function checkSpec(spec: CampaignSpec, issues: IssueList): void {
  checkParameters(spec, issues);
  const params = new Map(specParameters(spec).map((p) => [p.name, p]));
  checkForbidden(spec, params, issues);
  if (spec.space.scope !== undefined) checkColumns(['space', 'scope', 'columns'], spec.space.scope.columns, params, issues);
  checkLab(spec, params, issues);
  checkBudget(spec, issues);
  checkObjective(spec, issues);
  checkObjectiveTargets(spec, issues);
  checkDiscovery(spec, issues);
  checkUnordered(spec, issues);
  checkContinuousSpace(spec, params, issues);
}

/** An unordered group is one inventory drawn several times: substance roles with the same choices. */
function checkUnordered(spec: CampaignSpec, issues: IssueList): void {
  const seen = new Set<string>();
  (spec.space.unordered ?? []).forEach((group, g) => {
    const first = spec.space.substances[group[0] ?? ''];
    group.forEach((role, k) => {
      const at: PathSegment[] = ['space', 'unordered', g, k];
      const choices = spec.space.substances[role];
      if (choices === undefined) {
        issues.add(at, `"${role}" is not a substance role (roles: ${listChoices(Object.keys(spec.space.substances))})`);
        return;
      }
      if (seen.has(role)) issues.add(at, `"${role}" is in more than one unordered group`);
      seen.add(role);
      if (first !== undefined && k > 0 && JSON.stringify(Object.entries(choices)) !== JSON.stringify(Object.entries(first))) {
        issues.add(at, `"${role}" must have the same choices, in the same order, as "${group[0]}" (an unordered group draws from one inventory; YAML anchors help: &inventory / *inventory)`);
      }
    });
  });
}

function checkParameters(spec: CampaignSpec, issues: IssueList): void {
  const groups = ['substances', 'numeric', 'categorical'] as const;
  const seen = new Map<string, string>();
  let count = 0;
  for (const group of groups) {
    for (const name of Object.keys(spec.space[group])) {
      count++;
      const earlier = seen.get(name);
      if (earlier !== undefined) {
        issues.add(['space', group, name], `parameter name "${name}" is already used in space.${earlier}`);
      }
      seen.set(name, group);
    }
  }
  if (count === 0) {
    issues.add(['space'], 'the space has no parameters: give at least one of substances, numeric or categorical');
  }
  for (const [role, choices] of Object.entries(spec.space.substances)) {
    if (Object.keys(choices).length === 0) issues.add(['space', 'substances', role], `"${role}" has no choices`);
  }
  for (const [name, p] of Object.entries(spec.space.numeric)) {
    if (isContinuousSpec(p)) continue;
    if (p.values.length === 0) issues.add(['space', 'numeric', name, 'values'], `"${name}" has no values`);
    p.values.forEach((v, i) => {
      if (p.values.findIndex((w) => sameNumber(v, w)) < i) issues.add(['space', 'numeric', name, 'values', i], `duplicate value ${v}`);
    });
  }
  for (const [name, choices] of Object.entries(spec.space.categorical)) {
    if (choices.length === 0) issues.add(['space', 'categorical', name], `"${name}" has no choices`);
    choices.forEach((c, i) => {
      if (choices.indexOf(c) < i) issues.add(['space', 'categorical', name, i], `duplicate choice "${c}"`);
    });
  }
}

function checkForbidden(spec: CampaignSpec, params: Map<string, ParameterInfo>, issues: IssueList): void {
  spec.space.forbidden.forEach((rule, i) => {
    const at: PathSegment[] = ['space', 'forbidden', i];
    if (Object.keys(rule).length === 0) {
      issues.add(at, 'an empty rule would forbid every candidate');
      return;
    }
    for (const [name, given] of Object.entries(rule)) {
      const param = params.get(name);
      if (param === undefined) {
        issues.add([...at, name], unknownParameter(name, params));
        continue;
      }
      const values = Array.isArray(given) ? given : [given];
      values.forEach((v, j) => {
        const where = Array.isArray(given) ? [...at, name, j] : [...at, name];
        const problem = choiceProblem(param, v);
        if (problem !== undefined) issues.add(where, problem);
      });
    }
  });
}

/** Why `value` does not name a choice of `param`, or undefined when it does. */
function choiceProblem(param: ParameterInfo, value: string | number): string | undefined {
  if (param.kind === 'numeric') {
    if (typeof value !== 'number') return `"${param.name}" is numeric: give a number, not ${JSON.stringify(value)}`;
    if (param.choices.some((c) => sameNumber(c, value))) return undefined;
    return `${value} is not a value of "${param.name}" (values: ${listChoices(param.choices)})`;
  }
  if (typeof value === 'string' && (param.choices as string[]).includes(value)) return undefined;
  return `${JSON.stringify(value)} is not a choice of "${param.name}" (choices: ${listChoices(param.choices)})`;
}

function checkColumns(
  at: PathSegment[],
  columns: Record<string, string>,
  params: Map<string, ParameterInfo>,
  issues: IssueList,
): void {
  for (const name of Object.keys(columns)) {
    if (!params.has(name)) issues.add([...at, name], unknownParameter(name, params));
  }
  const missing = [...params.keys()].filter((name) => columns[name] === undefined);
  if (missing.length > 0) {
    issues.add(at, `no column given for parameter${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}`);
  }
}

function checkLab(spec: CampaignSpec, params: Map<string, ParameterInfo>, issues: IssueList): void {
  const lab = spec.lab;
  switch (lab.type) {
    case 'simulator':
    case 'emulator':
      checkColumns(['lab', 'columns'], lab.columns, params, issues);
      if (!hasSeveralTargets(spec) && lab.results[spec.objective.target] === undefined) {
        issues.add(['lab', 'results'], `must give a column for the objective target "${spec.objective.target}"`);
      }
      break;
    case 'analytic':
      checkAnalytic(spec, lab.function, params, issues);
      break;
    case 'http':
    case 'mqtt':
    case 'files':
    case 'sila2':
      checkRobotLab(lab, params, issues);
      break;
    case 'profile':
      break; // checked against the registered profiles (lab-access.ts)
    default: {
      const never: never = lab;
      throw new Error(`unhandled lab type ${String((never as { type: unknown }).type)}`);
    }
  }
}

/** A robot lab's own settings, in a campaign file or a lab profile (`at`: where its fields are). */
export function checkRobotLab(lab: RobotLabSpec, params: Map<string, ParameterInfo>, issues: IssueList, at: PathSegment[] = ['lab']): void {
  switch (lab.type) {
    case 'http':
      if (lab.secret_env !== undefined && lab.callback_secret !== undefined) {
        issues.add([...at, 'callback_secret'], 'give secret_env or callback_secret, not both');
      }
      if (lab.results === 'callback' && lab.secret_env === undefined && lab.callback_secret === undefined) {
        issues.add([...at, 'secret_env'], 'required when results: callback (the variable holding the key callbacks are signed with; or callback_secret: a registered secret)');
      }
      if (lab.results === 'poll') {
        for (const field of ['secret_env', 'callback_secret', 'callback_url', 'callback_listen'] as const) {
          if (lab[field] !== undefined) issues.add([...at, field], 'only used with results: callback');
        }
      }
      break;
    case 'mqtt':
      if (lab.password_env !== undefined && lab.password_secret !== undefined) issues.add([...at, 'password_secret'], 'give password_env or password_secret, not both');
      for (const field of ['password_env', 'password_secret'] as const) {
        if (lab[field] !== undefined && lab.username === undefined) issues.add([...at, field], 'a password needs a username');
      }
      break;
    case 'files':
      checkWorklistColumns(params, issues);
      break;
    case 'sila2':
      if (lab.access_token_env !== undefined && lab.access_token_secret !== undefined) issues.add([...at, 'access_token_secret'], 'give access_token_env or access_token_secret, not both');
      if (lab.tls === undefined && !lab.plaintext && !isLoopbackAddress(lab.address)) {
        issues.add([...at, 'address'], `${lab.address} is not on this machine: give tls (true, or { ca_file: … }) or, on a network you trust, plaintext: true`);
      }
      if (lab.tls !== undefined && lab.plaintext) issues.add([...at, 'plaintext'], 'give tls or plaintext, not both');
      break;
  }
}

/** Dimensions each closed-form function is defined for (peaks: any). */
const ANALYTIC_DIMENSIONS: Record<string, number | undefined> = { peaks: undefined, branin: 2, hartmann6: 6 };

function checkAnalytic(spec: CampaignSpec, fn: string, params: Map<string, ParameterInfo>, issues: IssueList): void {
  for (const [name, param] of params) {
    if (param.kind === 'numeric') continue;
    const group = param.kind === 'substance' ? 'substances' : 'categorical';
    issues.add(['space', group, name], `an analytic lab answers numeric spaces only; "${name}" is ${param.kind === 'substance' ? 'a substance' : 'categorical'}`);
  }
  if (isMultiObjectiveFunction(fn)) {
    checkProblemVariables(spec, fn, issues);
    return;
  }
  const wanted = ANALYTIC_DIMENSIONS[fn];
  const numeric = Object.keys(spec.space.numeric).length;
  if (wanted !== undefined && numeric !== wanted) {
    issues.add(['lab', 'function'], `${fn} is defined for exactly ${wanted} numeric parameters; the space has ${numeric}`);
  }
}

/** A multi-objective problem is defined over its own variables: the space names exactly those. */
function checkProblemVariables(spec: CampaignSpec, fn: Parameters<typeof multiObjectiveProblemVariables>[0], issues: IssueList): void {
  const variables = multiObjectiveProblemVariables(fn).map((v) => v.name);
  for (const name of Object.keys(spec.space.numeric)) {
    if (!variables.includes(name)) issues.add(['space', 'numeric', name], `${fn} has no variable "${name}" (its variables: ${variables.join(', ')})`);
  }
  const missing = variables.filter((v) => spec.space.numeric[v] === undefined);
  if (missing.length > 0) issues.add(['space', 'numeric'], `${fn} needs the numeric parameter${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
}

/** Worklist columns are the parameters plus a few of the protocol's own: names must not collide. */
const WORKLIST_COLUMNS = ['experiment_id', 'campaign_id', 'seq', 'well', 'candidate_key'];

function checkWorklistColumns(params: Map<string, ParameterInfo>, issues: IssueList): void {
  for (const [name, param] of params) {
    const group = param.kind === 'substance' ? 'substances' : param.kind;
    if (WORKLIST_COLUMNS.includes(name) || name.endsWith('_smiles')) {
      issues.add(['space', group, name], `"${name}" collides with a worklist column of the file-drop lab (${WORKLIST_COLUMNS.join(', ')}, *_smiles)`);
    }
  }
}

function checkBudget(spec: CampaignSpec, issues: IssueList): void {
  const { experiments, batch } = spec.budget;
  if (batch > experiments) {
    issues.add(['budget', 'batch'], `batch of ${batch} is larger than the budget of ${experiments} experiments`);
  }
}

function checkObjective(spec: CampaignSpec, issues: IssueList): void {
  const { goal, bounds } = spec.objective;
  if (goal !== undefined && bounds !== undefined && (goal < bounds[0] || goal > bounds[1])) {
    issues.add(['objective', 'goal'], `goal ${goal} lies outside the bounds [${bounds[0]}, ${bounds[1]}]`);
  }
}

/** A discovery campaign learns whether combinations react: its objective is that outcome, 1 or 0. */
function checkDiscovery(spec: CampaignSpec, issues: IssueList): void {
  const { planner, objective } = spec;
  if (planner.strategy !== 'discovery') {
    if (planner.discovery !== undefined) issues.add(['planner', 'discovery'], `discovery settings need planner.strategy: discovery (it is ${planner.strategy})`);
    return;
  }
  if (objective.direction !== 'maximize') {
    issues.add(['objective', 'direction'], 'a discovery campaign\'s objective is whether a combination reacted (1) or not (0): direction must be maximize');
  }
  if (objective.bounds === undefined || objective.bounds[0] !== 0 || objective.bounds[1] !== 1) {
    issues.add(['objective', 'bounds'], 'a discovery campaign\'s objective is whether a combination reacted (1) or not (0): give bounds: [0, 1]');
  }
  const roles = Object.keys(spec.space.substances);
  (planner.discovery?.reactants ?? []).forEach((role, i) => {
    if (!roles.includes(role)) issues.add(['planner', 'discovery', 'reactants', i], `"${role}" is not a substance role (roles: ${listChoices(roles)})`);
  });
}

function unknownParameter(name: string, params: Map<string, ParameterInfo>): string {
  return `unknown parameter "${name}" (parameters: ${[...params.keys()].join(', ') || 'none'})`;
}

export function listChoices(choices: readonly (string | number)[], max = 12): string {
  const shown = choices.slice(0, max).map((c) => (typeof c === 'number' ? String(c) : JSON.stringify(c)));
  return choices.length > max ? `${shown.join(', ')}, … ${choices.length - max} more` : shown.join(', ');
}

/** Loopback hosts: a plaintext SiLA 2 connection is allowed to these without saying so. */
function isLoopbackAddress(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
