import { createParameterDecorator, ID } from 'type-graphql';
import { ChatError } from '../domain/errors';
import type { UserId } from '../domain/ids';
import { assertClaimedIdentity } from '../domain/identity';
import type { ChatContext } from './context';

/** The seed's events carried `userId`; the operations that took it still accept it, deprecated. */
const SEED_USER_ID_ARG = {
  name: 'userId',
  typeFunc: () => ID,
  options: {
    nullable: true,
    deprecationReason: 'Identity comes from the token: omit userId (seed payloads may send it only if it matches).',
  },
};

/** The caller's id from the verified token; UNAUTHENTICATED when there is none. */
export function callerOf(context: ChatContext): UserId {
  if (context.userId === null) throw ChatError.unauthenticated();
  return context.userId;
}

/**
 * Injects the caller's id (the token's subject). With `acceptsSeedUserId` it also declares the
 * deprecated `userId` argument of the seed's payloads and refuses one that names someone else.
 */
export function CurrentUser(options: { acceptsSeedUserId?: boolean } = {}) {
  return createParameterDecorator<ChatContext>(
    ({ context, args }) => {
      const caller = callerOf(context);
      if (options.acceptsSeedUserId) assertClaimedIdentity(caller, args['userId']);
      return caller;
    },
    options.acceptsSeedUserId ? { arg: SEED_USER_ID_ARG } : {},
  );
}
