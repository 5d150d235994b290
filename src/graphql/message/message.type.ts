import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { MAX_ATTACHMENTS_PER_MESSAGE, MAX_MENTIONS_PER_MESSAGE, MAX_MESSAGE_LENGTH } from '../../domain/limits';
import { SystemEventObject } from '../conversation/conversation.type';

/** Keys are the GraphQL names, values the stored (seed) spelling. */
export enum MessageTypeEnum {
  TEXT = 'text',
  IMAGE = 'image',
  FILE = 'file',
  /** A group's membership or title change, recorded by the server (a send of SYSTEM is refused). */
  SYSTEM = 'system',
}
registerEnumType(MessageTypeEnum, { name: 'MessageType', description: 'What a message carries.' });

@ObjectType('MessageEdit', { description: 'An earlier version of an edited message.' })
export class MessageEditObject {
  @Field()
  message!: string;

  @Field({ description: 'When this version was replaced.' })
  editedAt!: Date;
}

@ObjectType('ReactionGroup', { description: 'One emoji on a message.' })
export class ReactionGroupObject {
  @Field()
  emoji!: string;

  @Field(() => Int)
  count!: number;

  @Field({ description: 'The caller is among userIds.' })
  viewerHasReacted!: boolean;

  @Field(() => [ID], { description: 'Who reacted with it, in the order they did.' })
  userIds!: string[];
}

@ObjectType('Attachment', { description: 'A file uploaded with POST /api/chat/attachments and sent with a message.' })
export class AttachmentObject {
  @Field(() => ID)
  id!: string;

  @Field({
    description:
      'GET it from the API service with the same bearer token (Range supported); members of the ' +
      'conversation only, while the message is not deleted.',
  })
  url!: string;

  @Field({ description: 'Sanitized: no path, no control or reserved characters.' })
  fileName!: string;

  @Field({ description: 'Sniffed from the bytes at upload; unknown or unsafe types are application/octet-stream.' })
  contentType!: string;

  @Field(() => Int, { description: 'Bytes.' })
  size!: number;

  @Field(() => Int, { nullable: true, description: 'Images only.' })
  width!: number | null;

  @Field(() => Int, { nullable: true, description: 'Images only.' })
  height!: number | null;
}

@ObjectType('Message')
export class MessageObject {
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

  @Field(() => ID, { nullable: true, description: 'DIRECT: the other person. Null in a group.' })
  receiverId!: string | null;

  @Field()
  message!: string;

  @Field(() => MessageTypeEnum)
  messageType!: MessageTypeEnum;

  @Field(() => String, { nullable: true })
  attachmentUrl!: string | null;

  @Field({ description: "The sender's idempotency key; a retried send with the same key returns this message." })
  clientMessageId!: string;

  @Field(() => SystemEventObject, { nullable: true, description: 'SYSTEM messages: the change they record.' })
  systemEvent!: SystemEventObject | null;

  @Field({ description: 'DIRECT: the receiver read it. Always false in a group (see readByCount).' })
  isRead!: boolean;

  @Field(() => Date, { nullable: true })
  readAt!: Date | null;

  @Field()
  createdAt!: Date;

  @Field()
  updatedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the sender last edited it.' })
  editedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The message this one replies to (see replyTo).' })
  replyToId!: string | null;

  @Field(() => Date, { nullable: true })
  pinnedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'Who pinned it.' })
  pinnedBy!: string | null;

  @Field(() => Date, {
    nullable: true,
    description: 'Set on a deleted message (seen only as a quote or in conversationEvents: its text is then empty).',
  })
  deletedAt!: Date | null;
}

@ObjectType('Pagination', { description: "The seed's page arithmetic." })
export class PaginationObject {
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
export class MessagePageObject {
  @Field()
  conversationId!: string;

  @Field(() => [MessageObject], { description: 'Newest first.' })
  messages!: MessageObject[];

  @Field(() => PaginationObject)
  pagination!: PaginationObject;
}

@InputType('SendMessageInput')
export class SendMessageInput {
  @Field(() => ID, { nullable: true, description: 'DIRECT: who to send to. Give this or conversationId.' })
  targetUserId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'A group (or DIRECT) conversation to send in, instead of targetUserId.',
  })
  conversationId?: string | null;

  @Field({ description: `Non-blank, at most ${MAX_MESSAGE_LENGTH} UTF-16 code units (an emoji counts 2).` })
  message!: string;

  @Field(() => MessageTypeEnum, {
    nullable: true,
    description: 'TEXT by default; with attachmentIds, IMAGE when all of them are images, else FILE.',
  })
  messageType?: MessageTypeEnum | null;

  @Field(() => String, { nullable: true, description: 'http(s) URL; required for IMAGE and FILE.' })
  attachmentUrl?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'Idempotency key chosen by the client (e.g. a UUID); retries with the same key never duplicate.',
  })
  clientMessageId?: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'A message of the same conversation this one replies to (quoted as replyTo).',
  })
  replyToId?: string | null;

  @Field(() => [ID], {
    nullable: true,
    description: `Members this message mentions (at most ${MAX_MENTIONS_PER_MESSAGE}); anyone else is refused.`,
  })
  mentionedUserIds?: string[] | null;

  @Field(() => [ID], {
    nullable: true,
    description:
      `Uploads of mine (POST /api/chat/attachments) to send, at most ${MAX_ATTACHMENTS_PER_MESSAGE}. ` +
      'The text may then be empty, and messageType defaults to IMAGE (all images) or FILE.',
  })
  attachmentIds?: string[] | null;

  @Field(() => ID, {
    nullable: true,
    deprecationReason: 'Identity comes from the token: omit userId (seed payloads may send it only if it matches).',
  })
  userId?: string | null;
}

@ObjectType('MessageEdge')
export class MessageEdgeObject {
  @Field()
  cursor!: string;

  @Field(() => MessageObject)
  node!: MessageObject;
}

@ObjectType('PageInfo')
export class PageInfoObject {
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
export class MessageConnectionObject {
  @Field(() => [MessageObject], { description: 'Oldest first.' })
  nodes!: MessageObject[];

  @Field(() => [MessageEdgeObject])
  edges!: MessageEdgeObject[];

  @Field(() => PageInfoObject)
  pageInfo!: PageInfoObject;
}

@ObjectType('MessageDeletedEvent')
export class MessageDeletedEventObject {
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
