import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

/** Keys are the GraphQL names, values the stored (seed) spelling. */
export enum MessageKind {
  TEXT = 'text',
  IMAGE = 'image',
  FILE = 'file',
}
registerEnumType(MessageKind, { name: 'MessageType', description: 'What a message carries.' });

@ObjectType('Message')
export class MessageType {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Opaque position of this message; pass it as `after`/`before` to page or resume.' })
  cursor!: string;

  @Field()
  conversationId!: string;

  @Field(() => Int, { description: 'Position in its conversation: increasing, never reused.' })
  seq!: number;

  @Field(() => ID)
  senderId!: string;

  @Field(() => ID)
  receiverId!: string;

  @Field()
  message!: string;

  @Field(() => MessageKind)
  messageType!: MessageKind;

  @Field(() => String, { nullable: true })
  attachmentUrl!: string | null;

  @Field({ description: "The sender's idempotency key; a retried send with the same key returns this message." })
  clientMessageId!: string;

  @Field()
  isRead!: boolean;

  @Field(() => Date, { nullable: true })
  readAt!: Date | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;
}

@ObjectType('Pagination', { description: "The seed's page arithmetic." })
export class PaginationType {
  @Field(() => Int)
  total!: number;

  @Field(() => Int)
  page!: number;

  @Field(() => Int)
  limit!: number;

  @Field(() => Int)
  pages!: number;
}

@ObjectType('MessagePage')
export class MessagePageType {
  @Field()
  conversationId!: string;

  @Field(() => [MessageType], { description: 'Newest first.' })
  messages!: MessageType[];

  @Field(() => PaginationType)
  pagination!: PaginationType;
}

@InputType('SendMessageInput')
export class SendMessageInput {
  @Field(() => ID)
  targetUserId!: string;

  @Field({ description: 'Non-blank, at most 4000 characters.' })
  message!: string;

  @Field(() => MessageKind, { defaultValue: MessageKind.TEXT })
  messageType!: MessageKind;

  @Field(() => String, { nullable: true, description: 'http(s) URL; required for IMAGE and FILE.' })
  attachmentUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Idempotency key chosen by the client (e.g. a UUID); retries with the same key never duplicate.',
  })
  clientMessageId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'Deprecated (seed payloads): ignored if it matches the token, rejected if not.',
  })
  userId?: string | null;
}

@ObjectType('MessageEdge')
export class MessageEdgeType {
  @Field()
  cursor!: string;

  @Field(() => MessageType)
  node!: MessageType;
}

@ObjectType('PageInfo')
export class PageInfoType {
  @Field({ description: 'Newer messages exist after endCursor.' })
  hasNextPage!: boolean;

  @Field({ description: 'Older messages exist before startCursor.' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType('MessageConnection')
export class MessageConnectionType {
  @Field(() => [MessageType], { description: 'Oldest first.' })
  nodes!: MessageType[];

  @Field(() => [MessageEdgeType])
  edges!: MessageEdgeType[];

  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;
}

@ObjectType('MessageDeletedEvent')
export class MessageDeletedEventType {
  @Field()
  conversationId!: string;

  @Field(() => ID)
  messageId!: string;

  @Field(() => Int)
  seq!: number;

  @Field(() => ID)
  deletedBy!: string;

  @Field()
  deletedAt!: Date;
}
