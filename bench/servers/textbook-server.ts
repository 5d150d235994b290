import { RedisPubSub } from 'graphql-redis-subscriptions';
import { withFilter } from 'graphql-subscriptions';
import { buildSchema, type GraphQLFieldResolver } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { Redis } from 'ioredis';
import mongoose, { Schema } from 'mongoose';
import { WebSocketServer } from 'ws';
import { conversationIdOf, httpServerWithHeap, onShutdown, settings, userIdFromToken } from './common';

/**
 * Textbook GraphQL subscriptions: graphql-ws + graphql-redis-subscriptions with one global topic
 * and `withFilter`, each subscriber executing its own selection on every event. Mutations run
 * over the same socket. Plain graphql-js execution, no caching.
 */
const schema = buildSchema(`
  type Message { id: ID! conversationId: String! senderId: ID! receiverId: ID! message: String! createdAt: String! }
  type Query { ok: Boolean! }
  type Mutation { sendMessage(targetUserId: ID!, message: String!): Message! }
  type Subscription { newMessage: Message! typing: Boolean userStatus: Boolean }
`);

interface Context {
  userId: string;
}
interface Message {
  id: string;
  conversationId: string;
  senderId: string;
  receiverId: string;
  message: string;
  createdAt: string;
}

async function main(): Promise<void> {
  await mongoose.connect(settings.databaseUrl);
  const ChatMessage = mongoose.model(
    'ChatMessage',
    new Schema(
      {
        conversationId: { type: String, index: true },
        senderId: Schema.Types.ObjectId,
        receiverId: Schema.Types.ObjectId,
        message: String,
      },
      { timestamps: true },
    ),
  );
  const pubsub = new RedisPubSub({ publisher: new Redis(settings.redisUrl), subscriber: new Redis(settings.redisUrl) });
  const forMe = (field: 'newMessage') =>
    withFilter(
      () => pubsub.asyncIterator(`GLOBAL_${field}`),
      (payload: { newMessage: Message } | undefined, _args: unknown, context: Context | undefined) =>
        payload?.newMessage.receiverId === context?.userId || payload?.newMessage.senderId === context?.userId,
    );
  const never = (topic: string) => () => pubsub.asyncIterator(topic);
  const sendMessage: GraphQLFieldResolver<unknown, Context, { targetUserId: string; message: string }> = async (
    _root,
    args,
    context,
  ) => {
    const doc = await ChatMessage.create({
      conversationId: conversationIdOf(context.userId, args.targetUserId),
      senderId: context.userId,
      receiverId: args.targetUserId,
      message: args.message,
    });
    const message: Message = {
      id: String(doc._id),
      conversationId: doc.conversationId!,
      senderId: context.userId,
      receiverId: args.targetUserId,
      message: args.message,
      createdAt: (doc.get('createdAt') as Date).toISOString(),
    };
    await pubsub.publish('GLOBAL_newMessage', { newMessage: message });
    return message;
  };
  const rootValue = {
    ok: () => true,
    sendMessage: (args: { targetUserId: string; message: string }, context: Context) =>
      sendMessage(undefined, args, context, undefined as never),
  };
  // Subscription fields need subscribe functions on the schema itself.
  const subscriptionType = schema.getSubscriptionType()!;
  const fields = subscriptionType.getFields();
  fields.newMessage!.subscribe = forMe('newMessage') as never;
  fields.typing!.subscribe = never('GLOBAL_typing');
  fields.userStatus!.subscribe = never('GLOBAL_userStatus');

  const http = httpServerWithHeap();
  const wss = new WebSocketServer({ server: http, path: '/graphql', maxPayload: 64 * 1024 });
  useServer(
    {
      schema,
      roots: { query: rootValue, mutation: rootValue },
      context: (ctx) => ({
        userId: userIdFromToken((ctx.connectionParams as { authorization?: string })?.authorization),
      }),
      onConnect: (ctx) => {
        try {
          userIdFromToken((ctx.connectionParams as { authorization?: string })?.authorization);
          return true;
        } catch {
          return false;
        }
      },
    },
    wss,
  );
  await new Promise<void>((resolve) => http.listen(settings.port, '127.0.0.1', resolve));
  onShutdown(async () => {
    wss.close();
    http.close();
    pubsub.close();
    await mongoose.disconnect();
  });
}

void main();
