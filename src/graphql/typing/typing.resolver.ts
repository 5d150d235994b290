import {
  Arg,
  Args,
  Authorized,
  Ctx,
  Field,
  ID,
  Mutation,
  ObjectType,
  Resolver,
  Root,
  Subscription,
} from 'type-graphql';
import type { UserId } from '../../domain/ids';
import type { TypingEvent } from '../../domain/typing/typing.stream';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { TargetUserFilterArgs } from '../filter.args';
import { openFeed } from '../subscription';

@ObjectType('TypingEvent')
export class TypingEventObject {
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
  @Mutation(() => Boolean, {
    description: 'Typing indicator to targetUserId; ends by itself TYPING_EXPIRY_MS (default 6 s) after the last true.',
  })
  setTyping(
    @Args() target: TargetUserFilterArgs,
    @Arg('isTyping') isTyping: boolean,
    @CurrentUser({ acceptsSeedUserId: true }) caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.typing.setTyping(caller, target, isTyping);
  }

  @Authorized()
  @Subscription(() => TypingEventObject, {
    description: 'Who is typing to me (or only targetUserId). Never stored, never replayed.',
    subscribe: openFeed<TargetUserFilterArgs>((services, userId, args) =>
      services.live.typing(userId, args.targetUserId, args.conversationId),
    ),
  })
  typing(@Root() event: TypingEvent, @Args() _filter: TargetUserFilterArgs): TypingEvent {
    return event;
  }
}
