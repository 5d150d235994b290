import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { ScheduledStatus } from '../../domain/scheduling/scheduled-message.types';
import { MessageTypeEnum } from '../message/message.type';

export enum ScheduledStatusEnum {
  PENDING = 'PENDING',
  SENT = 'SENT',
  CANCELLED = 'CANCELLED',
  FAILED = 'FAILED',
}
registerEnumType(ScheduledStatusEnum, {
  name: 'ScheduledMessageStatus',
  description: 'PENDING until sendAt; then SENT (see sentMessage) or FAILED (see failureCode); or CANCELLED.',
});

@ObjectType('ScheduledMessage', { description: 'A message to be sent at sendAt (scheduleMessage).' })
export class ScheduledMessageObject {
  @Field(() => ID)
  id!: string;

  @Field()
  conversationId!: string;

  @Field()
  sendAt!: Date;

  @Field({ description: 'Its text (may be empty with attachments).' })
  message!: string;

  @Field(() => MessageTypeEnum)
  messageType!: MessageTypeEnum;

  @Field(() => [ID], { description: 'Uploads it will carry.' })
  attachmentIds!: string[];

  @Field(() => ScheduledStatusEnum)
  status!: ScheduledStatus;

  @Field(() => String, {
    nullable: true,
    description: 'FAILED: the error code the send met (BLOCKED, FORBIDDEN for a member who left, ...).',
  })
  failureCode!: string | null;

  @Field(() => String, { nullable: true, description: 'FAILED: what that error said.' })
  failureReason!: string | null;

  @Field(() => Int, {
    description: 'Sends tried that failed for a passing reason (retried until an hour past sendAt).',
  })
  attempts!: number;

  @Field()
  createdAt!: Date;
}
