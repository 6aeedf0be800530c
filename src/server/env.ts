/** The typed context every route and middleware of the server shares. */
import type { Principal } from '../auth/index.js';

export interface ServerEnv {
  Variables: {
    /** Who is calling, when a valid token came with the request. */
    principal: Principal | undefined;
    /** How the token came: a Bearer header (scripts, robots) or the panel's session cookie. */
    authVia: 'bearer' | 'cookie' | undefined;
  };
}

/** The panel's session cookie: a server-side session's random id (never the token), HTTP-only. */
export const SESSION_COOKIE = 'athanor_session';
