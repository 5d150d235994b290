import { ArgsType, Field, ID } from 'type-graphql';

/**
 * Argument sets shared by a subscription's `subscribe` function and its root field, so the two
 * cannot drift apart (type-graphql's `@Args()` pattern).
 */
@ArgsType()
export class ConversationFilterArgs {
  @Field(() => ID, { nullable: true, description: 'Only this conversation (one of mine).' })
  conversationId?: string | null;
}

@ArgsType()
export class TargetUserFilterArgs {
  @Field(() => ID, { nullable: true, description: 'Only my conversation with this user.' })
  targetUserId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Only this conversation (a group, or a DIRECT one), instead of targetUserId.',
  })
  conversationId?: string | null;
}

@ArgsType()
export class NewMessageArgs extends TargetUserFilterArgs {
  @Field(() => String, {
    nullable: true,
    description: 'A cursor of that conversation: replay what came after it, then go live.',
  })
  after?: string | null;
}

@ArgsType()
export class UserStatusArgs {
  @Field(() => [ID], { nullable: true, description: 'Only these users (among my contacts).' })
  userIds?: string[] | null;
}
