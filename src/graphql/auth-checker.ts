import type { AuthChecker } from 'type-graphql';
import { ChatError } from '../domain/errors';
import type { ChatContext } from './context';

/** `@Authorized()` fields need a verified token; the error tells the client how to send one. */
export const authChecker: AuthChecker<ChatContext> = ({ context }) => {
  if (!context.authenticated) throw ChatError.unauthenticated();
  return true;
};
