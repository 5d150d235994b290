import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { UserEventType } from '../../domain/timeline/user-event.view';
import { MessageObject } from '../message/message.type';
import { UserStatusTypeEnum } from '../presence/presence.resolver';
import { CONVERSATION_EVENT_TYPES } from '../timeline/timeline.type';

const UserEventTypeEnum: Record<UserEventType, UserEventType> = {
  ...CONVERSATION_EVENT_TYPES,
  MESSAGES_READ: 'MESSAGES_READ',
  CHAT_STARTED: 'CHAT_STARTED',
  CHAT_ENDED: 'CHAT_ENDED',
  BLOCKED: 'BLOCKED',
  UNBLOCKED: 'UNBLOCKED',
  SCHEDULED_SENT: 'SCHEDULED_SENT',
  SCHEDULED_FAILED: 'SCHEDULED_FAILED',
  TYPING: 'TYPING',
  PRESENCE: 'PRESENCE',
};
registerEnumType(UserEventTypeEnum, {
  name: 'UserEventType',
  description:
    'What happened. Durable (replayed from a cursor): the conversation event types, MESSAGES_READ (mine, and ' +
    'the other person in a DIRECT conversation), CHAT_STARTED/CHAT_ENDED, BLOCKED/UNBLOCKED (mine), ' +
    "SCHEDULED_SENT/SCHEDULED_FAILED (mine). Live only, never replayed: TYPING, PRESENCE, and other members' " +
    'MESSAGES_READ in a group.',
});

@ObjectType('UserEvent', { description: "One entry of a user's event stream (all their conversations)." })
export class UserEventObject {
  @Field({ description: 'Pass as `after` to resume right after this event (live-only events repeat the last one).' })
  cursor!: string;

  @Field(() => UserEventTypeEnum)
  type!: UserEventType;

  @Field(() => String, { nullable: true, description: 'Null for PRESENCE.' })
  conversationId!: string | null;

  @Field(() => ID, { description: 'Who did it (PRESENCE: whose status changed; TYPING: who types).' })
  actorId!: string;

  @Field()
  occurredAt!: Date;

  @Field(() => ID, {
    nullable: true,
    description: 'The message a conversation event is about; SCHEDULED_SENT: the message it became.',
  })
  messageId!: string | null;

  @Field(() => MessageObject, {
    nullable: true,
    description: 'The message as it is now (a deleted one as its stub), as in conversationEvents.',
  })
  message!: MessageObject | null;

  @Field(() => String, { nullable: true, description: 'REACTION_ADDED and REACTION_REMOVED: which emoji.' })
  emoji!: string | null;

  @Field(() => [ID], {
    description:
      'Membership events: who joined, left, was removed, or had their role changed. BLOCKED, UNBLOCKED: whom.',
  })
  userIds!: string[];

  @Field(() => Int, {
    nullable: true,
    description: 'MESSAGES_READ: how far the reader (actorId) has read: every message up to this seq.',
  })
  readSeq!: number | null;

  @Field(() => [ID], {
    nullable: true,
    description: 'MESSAGES_READ: the messages this read marked (DIRECT; the newest 100 of them; readSeq says all).',
  })
  messageIds!: string[] | null;

  @Field(() => ID, { nullable: true, description: 'SCHEDULED_SENT, SCHEDULED_FAILED: which scheduled message.' })
  scheduledMessageId!: string | null;

  @Field(() => String, { nullable: true, description: 'SCHEDULED_FAILED: the error code (its text in `failure`).' })
  failureCode!: string | null;

  @Field(() => String, { nullable: true, description: 'SCHEDULED_FAILED: why it could not be sent.' })
  failure!: string | null;

  @Field(() => Boolean, { nullable: true, description: 'TYPING: whether they are typing now.' })
  isTyping!: boolean | null;

  @Field(() => UserStatusTypeEnum, { nullable: true, description: 'PRESENCE: online or offline.' })
  status!: UserStatusTypeEnum | null;
}

@ObjectType('UserEventPage')
export class UserEventPageObject {
  @Field(() => [UserEventObject], { description: 'Oldest first within each conversation, by time across them.' })
  nodes!: UserEventObject[];

  @Field({ description: 'Where the next page, or a userEvents subscription, starts (even when nodes is empty).' })
  endCursor!: string;

  @Field({ description: 'More events exist after endCursor.' })
  hasMore!: boolean;
}
