import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ConversationKind } from '../../domain/conversation/conversation.view';

const ConversationKindEnum: Record<ConversationKind, ConversationKind> = { DIRECT: 'DIRECT', GROUP: 'GROUP' };
registerEnumType(ConversationKindEnum, {
  name: 'ConversationKind',
  description: 'DIRECT: two people, id "<smallerId>_<largerId>". GROUP: 2 or more people (DESIGN.md; not built yet).',
});

@ObjectType('Conversation', { description: 'A conversation as the caller sees it.' })
export class ConversationObject {
  @Field({ description: '"<smallerUserId>_<largerUserId>", as in the seed.' })
  conversationId!: string;

  @Field(() => ConversationKindEnum)
  kind!: ConversationKind;

  @Field(() => String, { nullable: true, description: "A group's title; null in a DIRECT conversation." })
  title!: string | null;

  @Field(() => Int)
  memberCount!: number;

  @Field(() => ID)
  otherUserId!: string;

  @Field(() => String, { nullable: true, description: 'Text of the newest visible message.' })
  lastMessage!: string | null;

  @Field(() => Date, { nullable: true })
  lastMessageTime!: Date | null;

  @Field(() => Int, {
    description: 'Newest seq in the conversation; if it moved since you last looked, page with messages(after:).',
  })
  lastSeq!: number;

  @Field(() => Int)
  unreadCount!: number;

  @Field(() => Int, { description: 'Highest seq the caller has read.' })
  readSeq!: number;
}

@ObjectType('MessagesReadEvent')
export class MessagesReadEventObject {
  @Field()
  conversationId!: string;

  @Field(() => [ID])
  messageIds!: string[];

  @Field()
  readAt!: Date;

  @Field(() => ID)
  readerId!: string;
}

@ObjectType('ChatStartedEvent')
export class ChatStartedEventObject {
  @Field()
  conversationId!: string;

  @Field(() => ID)
  initiatorId!: string;
}

@ObjectType('ChatEndedEvent')
export class ChatEndedEventObject {
  @Field()
  conversationId!: string;

  @Field(() => ID, { description: 'Who ended it.' })
  userId!: string;
}
