import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType('Conversation', { description: 'A conversation as the caller sees it.' })
export class ConversationObject {
  @Field({ description: '"<smallerUserId>_<largerUserId>", as in the seed.' })
  conversationId!: string;

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
