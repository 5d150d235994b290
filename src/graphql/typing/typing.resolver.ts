import { Arg, Authorized, Ctx, Field, ID, Mutation, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { assertClaimedIdentity } from '../../domain/identity';
import type { TypingEvent } from '../../domain/typing/typing.stream';
import { requireUser, type ChatContext } from '../context';
import { openFeed } from '../subscription';

@ObjectType('TypingEvent')
export class TypingEventType {
  @Field(() => ID, { description: 'Who is typing.' })
  userId!: string;

  @Field()
  conversationId!: string;

  @Field()
  isTyping!: boolean;
}

@Resolver()
export class TypingResolver {
  @Authorized()
  @Mutation(() => Boolean, { description: 'Typing indicator to targetUserId; ends by itself 6 s after the last true.' })
  setTyping(
    @Arg('targetUserId', () => ID) targetUserId: string,
    @Arg('isTyping') isTyping: boolean,
    @Arg('userId', () => ID, { nullable: true, description: 'Deprecated (seed payloads); must match the token.' })
    userId: string | null,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    assertClaimedIdentity(requireUser(context), userId);
    return context.services.typing.setTyping(requireUser(context), targetUserId, isTyping);
  }

  @Authorized()
  @Subscription(() => TypingEventType, {
    description: 'Who is typing to me (or only targetUserId). Never stored, never replayed.',
    subscribe: openFeed<{ targetUserId?: string | null }>((services, userId, args) =>
      services.live.typing(userId, args.targetUserId),
    ),
  })
  typing(
    @Root() event: TypingEvent,
    @Arg('targetUserId', () => ID, { nullable: true }) _targetUserId?: string,
  ): TypingEvent {
    return event;
  }
}
