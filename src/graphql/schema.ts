import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './auth-checker';
import { ConversationResolver } from './conversation/conversation.resolver';
import { MessageResolver } from './message/message.resolver';
import { PresenceResolver } from './presence/presence.resolver';
import { TypingResolver } from './typing/typing.resolver';
import { UserResolver } from './user/user.resolver';

export const RESOLVERS = [
  UserResolver,
  MessageResolver,
  ConversationResolver,
  TypingResolver,
  PresenceResolver,
] as const;

/**
 * Builds the one schema both services serve. `emitSchemaFile` is only for `npm run codegen`;
 * services build in memory.
 */
export function buildChatSchema(pubSub: PubSub, emitSchemaFile?: string): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    authChecker,
    pubSub,
    validate: false, // input rules live in the domain layer, shared with REST
    emitSchemaFile: emitSchemaFile ? { path: emitSchemaFile, sortedSchema: true } : false,
  });
}
