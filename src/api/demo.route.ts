import express, { type Request, type Response, type Router } from 'express';
import { signToken } from '../auth/jwt';
import { DEMO_USERS } from '../domain/user/demo-users';
import type { UserRepository } from '../domain/user/user.types';

/** Demo tokens are short-lived: they stand in for a login page, nothing more. */
const DEMO_TOKEN_SECONDS = 12 * 3600;

/**
 * `GET /demo/users`: the demo users `npm run seed` wrote, each with a token, for the web client's
 * user picker. Mounted only outside production (api.server.ts): it hands out tokens to anyone.
 */
export function demoRoutes(users: UserRepository, jwtSecret: string): Router {
  const router = express.Router();
  router.get('/users', async (_request: Request, response: Response) => {
    const seeded = new Set((await users.findByIds(DEMO_USERS.map((user) => user.id))).map((user) => user.id));
    response.set('Cache-Control', 'no-store').json({
      success: true,
      users: DEMO_USERS.filter((user) => seeded.has(user.id)).map((user) => ({
        ...user,
        token: signToken(user.id, jwtSecret, DEMO_TOKEN_SECONDS),
      })),
    });
  });
  return router;
}
