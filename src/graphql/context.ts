import type { UserId } from '../domain/ids';
import type { Services } from '../domain/services';
import { createUserLoader, type UserLoader } from '../persistence/user/user.loader';
import type { UserRepository } from '../domain/user/user.types';

/** What every resolver gets. Identity comes only from the verified token, never from arguments. */
export interface ChatContext {
  readonly userId: UserId | null;
  readonly services: Services;
  readonly loaders: { readonly user: UserLoader };
}

/**
 * HTTP requests get caching loaders (one request, short-lived); graphql-ws keeps one context for a
 * subscription's whole life, so there loaders only batch and never cache.
 */
export function createContext(
  userId: UserId | null,
  services: Services,
  users: UserRepository,
  transport: 'http' | 'ws',
): ChatContext {
  return { userId, services, loaders: { user: createUserLoader(users, { cache: transport === 'http' }) } };
}

/** The caller's id; resolvers behind `@Authorized()` can rely on it. */
export function requireUser(context: ChatContext): UserId {
  if (context.userId === null) throw new Error('requireUser called on an unauthenticated context');
  return context.userId;
}
