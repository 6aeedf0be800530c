import { checkRobotLab, listChoices } from './checks.js';
import type { IssueList, PathSegment } from './errors.js';
import { specParameters } from './parameters.js';
import type { CampaignSpec, RobotLabSpec } from './types.js';

/* Which labs a campaign may use, by who sent it. A campaign file run by the machine's owner
 * (`athanor run`) may name any robot, environment variable and listen address: it is the owner's
 * machine. A campaign sent over the API may not: a URL of the requester's choice with an
 * environment variable's value in a header is a way to send any secret of the service anywhere,
 * and a listen address of its choice opens the machine to the network. Over the API, robots are
 * reached only through lab profiles an administrator registered in the service's configuration;
 * their addresses and secrets live there. */

/** Where a campaign file came from: the owner's own file, or a request to the service. */
export type CampaignOrigin = 'file' | 'api';

/** Lab profiles by id, as registered in the service's configuration. */
export type LabProfiles = Readonly<Record<string, RobotLabSpec>>;

export const LAB_PROFILE_HINT = 'an administrator registers lab profiles in the service configuration (docs/operations.md)';

export function checkLabAccess(spec: CampaignSpec, issues: IssueList, origin: CampaignOrigin, profiles: LabProfiles = {}): void {
  const lab = spec.lab;
  if (lab.type === 'profile') {
    const profile = profiles[lab.profile];
    const ids = Object.keys(profiles);
    if (profile === undefined) {
      issues.add(['lab', 'profile'], `no lab profile "${lab.profile}" is registered (${ids.length > 0 ? `profiles: ${listChoices(ids)}` : `none is; ${LAB_PROFILE_HINT}`})`);
    } else {
      // the profile's own settings were checked when the configuration was read; what depends on
      // the campaign (worklist columns against its parameters) is checked here
      const params = new Map(specParameters(spec).map((p) => [p.name, p]));
      checkRobotLab(profile, params, issues, ['lab', 'profile']);
    }
    return;
  }
  if (origin !== 'api') return;
  if (lab.type !== 'http' && lab.type !== 'mqtt' && lab.type !== 'files' && lab.type !== 'sila2') return;
  issues.add(
    ['lab', 'type'],
    `a campaign created through the API runs on a registered lab profile (type: profile, profile: <id>) or a simulated lab (simulator, emulator, analytic), not on a ${lab.type} lab of its own; ${LAB_PROFILE_HINT}`,
  );
  const refuse = (at: PathSegment[], what: string) => issues.add(at, `the API does not accept ${what}: use a registered lab profile`);
  if (lab.type === 'http') {
    if (lab.auth?.value_env !== undefined) refuse(['lab', 'auth', 'value_env'], 'environment variable names');
    if (lab.secret_env !== undefined) refuse(['lab', 'secret_env'], 'environment variable names');
    if (lab.callback_listen !== undefined) refuse(['lab', 'callback_listen'], 'listen addresses');
  }
  if (lab.type === 'mqtt' && lab.password_env !== undefined) refuse(['lab', 'password_env'], 'environment variable names');
  if (lab.type === 'sila2' && lab.access_token_env !== undefined) refuse(['lab', 'access_token_env'], 'environment variable names');
}
