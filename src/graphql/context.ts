import type { UserId } from '../domain/ids';
import type { Services } from '../domain/services';
import { createUserLoader, type UserLoader } from '../edge/user.loader';
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
