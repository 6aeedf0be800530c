/** What `athanor token create|bind|list|revoke` do (token-command.ts defines the commands). */
import { issueToken } from '../auth/index.js';
import { bindApiTokens, getCampaign, listApiTokens, resolveHome, revokeApiTokens, type Db, type TokenRole } from '../db/index.js';
import { shownToken, type ShownToken } from '../server/routes/tokens.js';
import { withHome } from './service-client.js';
import { UsageError } from './errors.js';

/** Every id names a campaign of this database: a token is never bound to a typo. */
async function requireCampaigns(db: Db, ids: readonly string[]): Promise<void> {
  for (const id of ids) if (!(await getCampaign(db, id))) throw new UsageError(`no campaign has the id ${id}`);
}

export async function createTokenCommand(options: { role: TokenRole; name?: string; home?: string; json?: boolean; campaign?: string[] }): Promise<number> {
  const name = options.name ?? `${options.role}-${new Date().toISOString().slice(0, 10)}`;
  const campaignIds = options.campaign ?? [];
  if (campaignIds.length > 0 && options.role !== 'lab') throw new UsageError('--campaign binds lab tokens only: viewer and operator tokens reach every campaign');
  if (options.role === 'lab' && campaignIds.length === 0) {
    throw new UsageError('a lab token must be bound to the campaigns it reports to: add --campaign <id> (once per campaign)');
  }
  const issued = await withHome(
    resolveHome(options.home),
    async ({ db }) => {
      await requireCampaigns(db, campaignIds);
      const made = await issueToken(db, name, options.role, { campaignIds });
      return { id: made.row.id, token: made.token, campaigns: made.row.campaignIds ?? [] };
    },
    // while `athanor serve` holds the home: the same through its API (it checks the campaigns too)
    (client) => client.request<{ id: string; token: string; campaigns: string[] | null }>('POST', '/api/tokens', { name, role: options.role, ...(campaignIds.length > 0 ? { campaigns: campaignIds } : {}) }),
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ id: issued.id, name, role: options.role, token: issued.token, campaigns: issued.campaigns ?? [] })}\n`);
  } else {
    const bound = campaignIds.length > 0 ? ` for campaign${campaignIds.length === 1 ? '' : 's'} ${campaignIds.join(', ')}` : '';
    process.stdout.write(
      `Created ${options.role} token "${name}"${bound}. It is shown only this once; keep it somewhere safe:\n\n  ${issued.token}\n\n` +
        'Sign in to the control panel with it, or send it as "Authorization: Bearer <token>" to the API.\n',
    );
  }
  return 0;
}

export async function bindTokenCommand(nameOrId: string, options: { home?: string; campaign: string[] }): Promise<number> {
  const count = await withHome(
    resolveHome(options.home),
    async ({ db }) => {
      await requireCampaigns(db, options.campaign);
      return bindApiTokens(db, nameOrId, options.campaign);
    },
    async (client) => {
      // the API binds by id: a name stands for every live lab token that has it
      const { tokens } = await client.request<{ tokens: ShownToken[] }>('GET', '/api/tokens');
      const matching = tokens.filter((t) => t.role === 'lab' && (t.id === nameOrId.toLowerCase() || t.name === nameOrId));
      for (const t of matching) await client.request('PATCH', `/api/tokens/${t.id}`, { campaigns: options.campaign });
      return matching.length;
    },
  );
  if (count === 0) throw new UsageError(`no live lab token has the name or id "${nameOrId}"`);
  process.stdout.write(`Bound ${count} lab token${count === 1 ? '' : 's'} "${nameOrId}" to ${options.campaign.join(', ')}.\n`);
  return 0;
}

export async function listTokensCommand(options: { home?: string; json?: boolean; all?: boolean }): Promise<number> {
  const shown = await withHome(
    resolveHome(options.home),
    async ({ db }) => (await listApiTokens(db, { includeRevoked: options.all ?? false })).map(shownToken),
    async (client) => (await client.request<{ tokens: ShownToken[] }>('GET', `/api/tokens?all=${options.all ? 'true' : 'false'}`)).tokens,
  );
  if (options.json) process.stdout.write(`${JSON.stringify(shown)}\n`);
  else if (shown.length === 0) process.stdout.write('No API tokens. Create one with: athanor token create --role operator\n');
  else {
    for (const t of shown) {
      const state = t.revokedAt ? `revoked ${t.revokedAt}` : `last used ${t.lastUsedAt ?? 'never'}`;
      const bound = t.campaigns ? `  campaigns: ${t.campaigns.length > 0 ? t.campaigns.join(', ') : 'none (bind it with athanor token bind)'}` : '';
      process.stdout.write(`${t.prefix}…  ${t.role.padEnd(8)} ${t.name.padEnd(24)} ${state}${bound}\n`);
    }
  }
  return 0;
}

export async function revokeTokenCommand(nameOrId: string, options: { home?: string }): Promise<number> {
  const count = await withHome(
    resolveHome(options.home),
    ({ db }) => revokeApiTokens(db, nameOrId),
    async (client) => {
      // the API revokes by id: a name stands for every live token that has it
      const { tokens } = await client.request<{ tokens: ShownToken[] }>('GET', '/api/tokens');
      const matching = tokens.filter((t) => t.id === nameOrId.toLowerCase() || t.name === nameOrId);
      for (const t of matching) await client.request('DELETE', `/api/tokens/${t.id}`);
      return matching.length;
    },
  );
  if (count === 0) throw new UsageError(`no live token has the name or id "${nameOrId}"`);
  process.stdout.write(`Revoked ${count} token${count === 1 ? '' : 's'} "${nameOrId}".\n`);
  return 0;
}

