export { allows, isTokenRole, TOKEN_ROLES, type Permission } from './roles.js';
export { campaignAccess, reachableCampaigns, type CampaignAccess } from './tenancy.js';
export { authenticateToken, hashToken, issueToken, LOCAL_CLI_TOKEN, TOKEN_NAME, TOKEN_NAME_RULE, TOKEN_PREFIX, type IssuedToken, type Principal } from './tokens.js';
export { authenticateSession, DEFAULT_SESSION_HOURS, endSession, sessionHoursFromEnv, startSession, type StartedSession } from './sessions.js';
