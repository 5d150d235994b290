import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { UserId } from '../../domain/ids';
import type { ChatMessage } from '../../domain/message/message.types';
import type { ScheduledMessage } from '../../domain/scheduling/scheduled-message.types';
import { MAX_PENDING_SCHEDULED_PER_USER, MAX_SCHEDULE_LEAD_DAYS } from '../../domain/limits';
import type { ChatContext } from '../context';
import { CurrentUser } from '../current-user';
import { TargetUserFilterArgs } from '../filter.args';
import { MessageObject, MessageTypeEnum, SendMessageInput } from '../message/message.type';
import { ScheduledMessageObject } from './scheduled-message.type';

@Resolver(() => ScheduledMessageObject)
export class ScheduledMessageResolver {
  @Authorized()
  @Mutation(() => ScheduledMessageObject, {
    description:
      'Send `input` at `sendAt` (SCHEDULE_MIN_LEAD_SECONDS, 10 s by default, to ' +
      `${MAX_SCHEDULE_LEAD_DAYS} days ahead). Validated now like a send; membership and blocks are ` +
      `checked again when it is sent. At most ${MAX_PENDING_SCHEDULED_PER_USER} pending per user ` +
      '(CONFLICT). Sent once, by whichever API instance is up, within about a second of sendAt. ' +
      'Leave clientMessageId out: the message gets its own.',
  })
  scheduleMessage(
    @Arg('input', () => SendMessageInput) input: SendMessageInput,
    @Arg('sendAt') sendAt: Date,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ScheduledMessage> {
    return context.services.scheduled.schedule(caller, input, sendAt);
  }

  @Authorized()
  @Mutation(() => Boolean, {
    description:
      'Cancel one of my pending scheduled messages (true, also when already cancelled); CONFLICT once sent or failed.',
  })
  cancelScheduledMessage(
    @Arg('id', () => ID) id: string,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<boolean> {
    return context.services.scheduled.cancel(caller, id);
  }

  @Authorized()
  @Query(() => [ScheduledMessageObject], {
    description: 'My scheduled messages, soonest first: all pending ones, and those due in the last 7 days.',
  })
  scheduledMessages(
    @Args() target: TargetUserFilterArgs,
    @CurrentUser() caller: UserId,
    @Ctx() context: ChatContext,
  ): Promise<ScheduledMessage[]> {
    return context.services.scheduled.list(caller, target);
  }

  @FieldResolver(() => String)
  message(@Root() scheduled: ScheduledMessage): string {
    return scheduled.content.message;
  }

  @FieldResolver(() => MessageTypeEnum)
  messageType(@Root() scheduled: ScheduledMessage): string {
    return scheduled.content.messageType;
  }

  @FieldResolver(() => [ID])
  attachmentIds(@Root() scheduled: ScheduledMessage): readonly string[] {
    return scheduled.content.attachmentIds;
  }

  @FieldResolver(() => String, { nullable: true })
  failureCode(@Root() scheduled: ScheduledMessage): string | null {
    return scheduled.failure?.code ?? null;
  }

  @FieldResolver(() => String, { nullable: true })
  failureReason(@Root() scheduled: ScheduledMessage): string | null {
    return scheduled.failure?.message ?? null;
  }

  @FieldResolver(() => MessageObject, {
    nullable: true,
    description: 'SENT: the message it became (while I can see it).',
  })
  async sentMessage(@Root() scheduled: ScheduledMessage, @Ctx() context: ChatContext): Promise<ChatMessage | null> {
    if (!scheduled.sentMessageId) return null;
    return context.loaders.message.load({ conversationId: scheduled.conversationId, id: scheduled.sentMessageId });
  }
}
