import { ArgsType, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import type { ConversationEventType } from '../../domain/timeline/timeline.types';
import { MessageObject } from '../message/message.type';

export const CONVERSATION_EVENT_TYPES: Record<ConversationEventType, ConversationEventType> = {
  MESSAGE_CREATED: 'MESSAGE_CREATED',
  MESSAGE_EDITED: 'MESSAGE_EDITED',
  MESSAGE_DELETED: 'MESSAGE_DELETED',
  REACTION_ADDED: 'REACTION_ADDED',
  REACTION_REMOVED: 'REACTION_REMOVED',
  MESSAGE_PINNED: 'MESSAGE_PINNED',
  MESSAGE_UNPINNED: 'MESSAGE_UNPINNED',
  CONVERSATION_CREATED: 'CONVERSATION_CREATED',
  MEMBERS_ADDED: 'MEMBERS_ADDED',
  MEMBER_REMOVED: 'MEMBER_REMOVED',
  MEMBER_LEFT: 'MEMBER_LEFT',
  CONVERSATION_UPDATED: 'CONVERSATION_UPDATED',
  ROLE_CHANGED: 'ROLE_CHANGED',
};
const ConversationEventTypeEnum = CONVERSATION_EVENT_TYPES;
registerEnumType(ConversationEventTypeEnum, {
  name: 'ConversationEventType',
  description:
    'What happened. Membership and title changes (CONVERSATION_CREATED ... ROLE_CHANGED) are SYSTEM messages; ' +
    'their `message` is that message.',
});

@ObjectType('ConversationEvent', { description: "One entry of a conversation's event stream." })
export class ConversationEventObject {
  @Field({ description: 'Pass as `after` to resume right after this event.' })
  cursor!: string;

  @Field()
  conversationId!: string;

  @Field(() => ConversationEventTypeEnum)
  type!: ConversationEventType;

  @Field(() => ID, { description: 'Who did it.' })
  actorId!: string;

  @Field()
  occurredAt!: Date;

  @Field(() => ID)
  messageId!: string;

  @Field(() => MessageObject, {
    nullable: true,
    description:
      'The message as it is now (after later changes too: a client applies it as the latest state). ' +
      'Deleted: a stub with empty text and deletedAt.',
  })
  message!: MessageObject | null;

  @Field(() => String, { nullable: true, description: 'REACTION_ADDED and REACTION_REMOVED: which emoji.' })
  emoji!: string | null;

  @Field(() => [ID], { description: 'Membership events: who joined, left, was removed, or had their role changed.' })
  userIds!: string[];
}

@ObjectType('ConversationEventPage')
export class ConversationEventPageObject {
  @Field()
  conversationId!: string;

  @Field(() => [ConversationEventObject], { description: 'Oldest first.' })
  nodes!: ConversationEventObject[];

  @Field({
    description: 'Where the next page, or a conversationEvents subscription, starts (even when nodes is empty).',
  })
  endCursor!: string;

  @Field({ description: 'More events exist after endCursor.' })
  hasNextPage!: boolean;
}

@ArgsType()
export class ConversationEventsArgs {
  @Field(() => ID, { nullable: true, description: 'One of my conversations; without it, all of them (live only).' })
  conversationId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'An event cursor of that conversation: replay every event after it, then go live.',
  })
  after?: string | null;
}
