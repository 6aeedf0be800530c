/** `athanor token create|bind|list|revoke`: API tokens for the HTTP API and the control panel. */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { TOKEN_ROLES } from '../auth/roles.js';
import { TOKEN_NAME, TOKEN_NAME_RULE } from '../auth/token-names.js';

function tokenName(value: string): string {
  if (!TOKEN_NAME.test(value)) {
    throw new InvalidArgumentError(TOKEN_NAME_RULE);
  }
  return value;
}

function campaignId(value: string, previous: string[] = []): string[] {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) throw new InvalidArgumentError('a campaign id (UUID)');
  return [...previous, value.toLowerCase()];
}

/** Adds the `token` command group to the program (through .command() so it inherits the program's exit handling). */
export function registerTokenCommand(program: Command): Command {
  const token = program.command('token').description('manage API tokens (roles: viewer, operator, lab)');
  token
    .command('create')
    .description('create a token and print it once; only its hash is stored')
    .addOption(new Option('--role <role>', 'what the token may do').choices([...TOKEN_ROLES]).makeOptionMandatory())
    .option('--name <name>', 'who holds it; recorded with every action it makes (default: <role>-<date>)', tokenName)
    .option('--campaign <id>', 'lab tokens: a campaign it may read and report results to (repeat for several; required for lab tokens)', campaignId)
    .option('--json', 'print {id, name, role, token, campaigns} as JSON')
    .action(async (options, command: Command) => {
      const { createTokenCommand } = await import('./token-actions.js');
      process.exitCode = await createTokenCommand({ ...options, ...command.optsWithGlobals() });
    });
  token
    .command('bind')
    .description('bind live lab tokens with this name (or the token with this id) to more campaigns')
    .argument('<name-or-id>')
    .requiredOption('--campaign <id>', 'a campaign the token may read and report results to (repeat for several)', campaignId)
    .action(async (nameOrId: string, options, command: Command) => {
      const { bindTokenCommand } = await import('./token-actions.js');
      process.exitCode = await bindTokenCommand(nameOrId, { ...options, ...command.optsWithGlobals() });
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--all', 'include revoked tokens')
    .option('--json', 'print JSON')
    .action(async (options, command: Command) => {
      const { listTokensCommand } = await import('./token-actions.js');
      process.exitCode = await listTokensCommand({ ...options, ...command.optsWithGlobals() });
    });
  token
    .command('revoke')
    .description('revoke every live token with this name, or the token with this id')
    .argument('<name-or-id>')
    .action(async (nameOrId: string, options, command: Command) => {
      const { revokeTokenCommand } = await import('./token-actions.js');
      process.exitCode = await revokeTokenCommand(nameOrId, { ...options, ...command.optsWithGlobals() });
    });
  return token;
}
