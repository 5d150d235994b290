import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { MemberRole } from '../../domain/conversation/conversation.types';
import type { ConversationKind } from '../../domain/conversation/conversation.view';
import { MAX_GROUP_TITLE_LENGTH, MAX_MEMBERS_PER_CALL } from '../../domain/limits';
import type { SystemEventType } from '../../domain/message/message.types';
import { UserObject } from '../user/user.type';

const ConversationKindEnum: Record<ConversationKind, ConversationKind> = { DIRECT: 'DIRECT', GROUP: 'GROUP' };
registerEnumType(ConversationKindEnum, {
  name: 'ConversationKind',
  description:
    'DIRECT: two people, id "<smallerId>_<largerId>". GROUP: 2 to MAX_GROUP_MEMBERS people, id "g_<24 hex>".',
});

export const MemberRoleEnum: Record<MemberRole, MemberRole> = { OWNER: 'OWNER', ADMIN: 'ADMIN', MEMBER: 'MEMBER' };
registerEnumType(MemberRoleEnum, { name: 'MemberRole', description: 'What a member may do in a group.' });

const SystemEventTypeEnum: Record<SystemEventType, SystemEventType> = {
  CREATED: 'CREATED',
  MEMBERS_ADDED: 'MEMBERS_ADDED',
  MEMBER_REMOVED: 'MEMBER_REMOVED',
  MEMBER_LEFT: 'MEMBER_LEFT',
  UPDATED: 'UPDATED',
  ROLE_CHANGED: 'ROLE_CHANGED',
};
registerEnumType(SystemEventTypeEnum, { name: 'ConversationChangeType', description: 'A change to a group.' });

@ObjectType('SystemEvent', { description: "What a SYSTEM message records: a group's membership or title change." })
export class SystemEventObject {
  @Field(() => SystemEventTypeEnum)
  type!: SystemEventType;

  @Field(() => ID, { description: 'Who made the change.' })
  actorId!: string;

  @Field(() => [ID], { description: 'Who joined, was removed, left, or had their role changed.' })
  userIds!: string[];

  @Field(() => String, { nullable: true, description: 'The title after CREATED or UPDATED.' })
  title!: string | null;

  @Field(() => MemberRoleEnum, { nullable: true, description: 'The role ROLE_CHANGED gave.' })
  role!: MemberRole | null;
}

@ObjectType('ConversationUpdatedEvent')
export class ConversationUpdatedEventObject extends SystemEventObject {
  @Field()
  conversationId!: string;

  @Field(() => Int, { description: 'Seq of the SYSTEM message that records the change.' })
  seq!: number;

  @Field()
  occurredAt!: Date;
}

@ObjectType('Member')
export class MemberObject {
  @Field(() => ID)
  userId!: string;

  @Field(() => UserObject, { nullable: true, description: 'Null when the main app no longer has this user.' })
  user?: UserObject | null;

  @Field(() => MemberRoleEnum)
  role!: MemberRole;

  @Field()
  joinedAt!: Date;
}

@ObjectType('MemberPageInfo')
export class MemberPageInfoObject {
  @Field()
  hasNextPage!: boolean;

  @Field(() => String, { nullable: true, description: 'Pass as `after` for the next page.' })
  endCursor!: string | null;
}

@ObjectType('MemberConnection')
export class MemberConnectionObject {
  @Field(() => [MemberObject])
  nodes!: MemberObject[];

  @Field(() => MemberPageInfoObject)
  pageInfo!: MemberPageInfoObject;
}

@InputType('CreateGroupInput')
export class CreateGroupInput {
  @Field({ description: `1 to ${MAX_GROUP_TITLE_LENGTH} characters.` })
  title!: string;

  @Field(() => [ID], { description: `The other members (1 to ${MAX_MEMBERS_PER_CALL}); I am added as OWNER.` })
  memberIds!: string[];

  @Field(() => String, {
    nullable: true,
    description: 'Idempotency key: a retry with the same key answers the group the first call created.',
  })
  clientRequestId?: string | null;
}

@ObjectType('Conversation', { description: 'A conversation as the caller sees it.' })
export class ConversationObject {
  @Field({ description: 'DIRECT: "<smallerUserId>_<largerUserId>", as in the seed. GROUP: "g_<24 hex>".' })
  conversationId!: string;

  @Field(() => ConversationKindEnum)
  kind!: ConversationKind;

  @Field(() => String, { nullable: true, description: "A group's title; null in a DIRECT conversation." })
  title!: string | null;

  @Field(() => Int)
  memberCount!: number;

  @Field(() => ID, { nullable: true, description: 'DIRECT: the other person. Null in a group.' })
  otherUserId!: string | null;

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

  @Field(() => MemberRoleEnum, { nullable: true, description: 'My role (MEMBER in a DIRECT conversation).' })
  viewerRole!: MemberRole | null;

  @Field({
    description:
      'DIRECT: one of us blocks the other, so neither can send, and no typing, presence or read ' +
      'receipts pass between us. Always false in a group.',
  })
  blocked!: boolean;

  @Field({ description: 'DIRECT: I am the one blocking (unblockUser lifts it).' })
  blockedByViewer!: boolean;
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

  @Field(() => Int, { description: 'How far the reader has now read: every message up to this seq.' })
  readSeq!: number;
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
