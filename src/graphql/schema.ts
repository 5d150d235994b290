import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { authChecker } from './auth-checker';
import { BlockResolver } from './blocking/block.resolver';
import { ScheduledMessageResolver } from './scheduling/scheduled-message.resolver';
import { ConversationResolver } from './conversation/conversation.resolver';
import { MemberResolver } from './conversation/member.resolver';
import { MessageResolver } from './message/message.resolver';
import { PresenceResolver } from './presence/presence.resolver';
import { TimelineResolver } from './timeline/timeline.resolver';
import { TypingResolver } from './typing/typing.resolver';
import { UserResolver } from './user/user.resolver';
import { UserEventsResolver } from './user-events/user-events.resolver';

export const RESOLVERS = [
  UserResolver,
  MessageResolver,
  TimelineResolver,
  ConversationResolver,
  MemberResolver,
  TypingResolver,
  PresenceResolver,
  BlockResolver,
  ScheduledMessageResolver,
  UserEventsResolver,
] as const;

/**
 * type-graphql insists on a `PubSub` once a schema has subscriptions, but ours open their feeds
 * through the service layer (`subscribe:` with openFeed), never through `topics`. This one says so
 * loudly should a resolver ever start using it.
 */
const NO_TOPIC_PUBSUB: PubSub = {
  publish: () => {
    throw new Error('Publish through the domain EventPublisher, not type-graphql PubSub');
  },
  subscribe: () => {
    throw new Error('Subscriptions open feeds through openFeed(), not `topics`');
  },
};

/**
 * Builds the one schema both services serve. `emitSchemaFile` is only for `npm run codegen`;
 * services build in memory.
 */
export function buildChatSchema(emitSchemaFile?: string): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: RESOLVERS,
    authChecker,
    pubSub: NO_TOPIC_PUBSUB,
    validate: false, // input rules live in the domain layer, shared with REST
    emitSchemaFile: emitSchemaFile ? { path: emitSchemaFile, sortedSchema: true } : false,
  });
}
