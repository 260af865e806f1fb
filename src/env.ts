import type { UserAccount } from './account/UserAccount';

/** Bindings, vars and secrets the Worker and the objects read. */
export interface Env {
  USER_ACCOUNT: DurableObjectNamespace<UserAccount>;
  DB: D1Database;
  /** HS256 secret for user JWTs (`sub` = user id). */
  JWT_SECRET?: string;
  /** Bearer token of the platform backend that records usage for a named user. */
  SERVICE_TOKEN?: string;
  /** Bearer token of operators: catalog, manual grants, audit. */
  ADMIN_TOKEN?: string;
  UPGRADE_URL?: string;
}

type ServiceEnv = Env;

declare global {
  namespace Cloudflare {
    interface Env extends ServiceEnv {}
  }
}
