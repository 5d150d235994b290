import type { SubscribeResolverData } from 'type-graphql';
import type { UserId } from '../domain/ids';
import type { Services } from '../domain/services';
import type { ChatContext } from './context';
import { callerOf } from './current-user';

type Opener<TArgs> = (services: Services, userId: UserId, args: TArgs) => Promise<AsyncIterable<unknown>>;

/**
 * A type-graphql `subscribe` function that opens a feed from the service layer. The feed is
 * confirmed by Redis before graphql-ws starts streaming, so a client that sees the subscription
 * counted in `/stats` can rely on receiving every later event.
 */
export function openFeed<TArgs = Record<string, never>>(open: Opener<TArgs>) {
  return ({ args, context }: SubscribeResolverData<unknown, TArgs, unknown>) => {
    const ctx = context as ChatContext;
    return open(ctx.services, callerOf(ctx), args);
  };
}
