// POST /api/v1/dev/session: a development-only sign-in for the dashboard. It mints a user JWT for
// any user id, so it exists only where ENVIRONMENT is development and DEV_SIGN_IN = "enabled" is set
// explicitly (.dev.vars for `npm start`); everywhere else, production whatever DEV_SIGN_IN says
// included, it answers the router's own 404. GET says which of the two holds, with a 200 either way,
// so the sign-in page can ask on every load without a refused request (the route is in the public
// document anyway: "available": false tells no one anything new).
import { defineRoute, type RouteDeclaration } from '../openapi/route';
import { devSessionSchema, devSignInAvailabilitySchema } from '../openapi/adminResponses';
import { json } from 'itty-router';
import { SignJWT } from 'jose';
import { z } from 'zod';
import type { Env } from '../../env';
import { isDevelopment } from '../http/environment';
import { ApiError } from '../http/errors';
import { userIdSchema } from '../http/auth';
import { jsonBody } from '../http/body';
import { DEV_SESSION_TTL_SECONDS } from '../../money/limits';

/** The only value of DEV_SIGN_IN that turns the route on. */
const DEV_SIGN_IN_ENABLED = 'enabled';

const devSessionBodySchema = z.object({ user_id: userIdSchema }).strict();

type DevEnv = Env;

function devSignInOn(env: DevEnv): boolean {
  return env.DEV_SIGN_IN === DEV_SIGN_IN_ENABLED && isDevelopment(env);
}

export const devSessionRoutes: readonly RouteDeclaration[] = [
  defineRoute({
    method: 'get',
    path: '/api/v1/dev/session',
    tag: 'Development',
    caller: 'public',
    summary: 'Whether this server offers the development sign-in (POST); 200 in every environment',
    responses: {
      200: {
        description: '{ available }',
        schema: devSignInAvailabilitySchema,
        headers: { 'Cache-Control': { description: 'no-store', required: true } },
      },
    },
    handler: (_request, env: DevEnv) =>
      json({ available: devSignInOn(env) }, { headers: { 'Cache-Control': 'no-store' } }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/v1/dev/session',
    tag: 'Development',
    caller: 'development',
    summary: 'Mint a user JWT (only in development where DEV_SIGN_IN=enabled; 404 everywhere else)',
    request: { body: devSessionBodySchema },
    responses: {
      201: {
        description: '{ user_id, token, expires_at }',
        schema: devSessionSchema,
        headers: { 'Cache-Control': { description: 'no-store', required: true } },
      },
    },
    errors: [404],
    handler: async (request, env: DevEnv) => {
      // Off: the same answer as a path that was never registered, so nothing hints it exists.
      if (!devSignInOn(env)) {
        throw new ApiError('not_found', `No route for POST ${new URL(request.url).pathname}.`);
      }
      if (!env.JWT_SECRET) throw new ApiError('unauthorized', 'User authentication is not configured (JWT_SECRET).');
      const { user_id: userId } = await jsonBody(request, devSessionBodySchema);
      const issuedAtSeconds = Math.floor(Date.now() / 1000);
      const expiresAtSeconds = issuedAtSeconds + DEV_SESSION_TTL_SECONDS;
      const token = await new SignJWT({ dev: true })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setIssuedAt(issuedAtSeconds)
        .setExpirationTime(expiresAtSeconds)
        .sign(new TextEncoder().encode(env.JWT_SECRET));
      return json(
        { user_id: userId, token, expires_at: new Date(expiresAtSeconds * 1000).toISOString() },
        { status: 201, headers: { 'Cache-Control': 'no-store' } },
      );
    },
  }),
];
