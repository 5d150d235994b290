import { AttachmentService, type AttachmentSettings } from './attachment/attachment.service';
import type { AttachmentFiles, AttachmentRepository } from './attachment/attachment.types';
import { BlockService } from './blocking/block.service';
import { ScheduledMessageService } from './scheduling/scheduled-message.service';
import type { JobLocks, ScheduledMessageRepository } from './scheduling/scheduled-message.types';
import { ConversationAccess } from './conversation/conversation.access';
import { ConversationService } from './conversation/conversation.service';
import { ConversationVisibility } from './conversation/conversation.visibility';
import { GroupService } from './conversation/group.service';
import type { MembershipRepository } from './conversation/membership.types';
import { GroupFeeds } from './group-feeds';
import type { ConversationLeases } from './conversation/conversation.lease';
import type { ConversationRepository } from './conversation/conversation.types';
import type { EventPublisher, EventSubscriber } from './events';
import { LiveUpdatesService } from './live-updates.service';
import type { MessageRepository } from './message/message.repository';
import { MessageService } from './message/message.service';
import { MessageWriter } from './message/message.writer';
import { PresenceService } from './presence/presence.service';
import type { PresenceStore } from './presence/presence.types';
import type { ChatObserver } from './observer';
import type { RateLimiter } from './rate-limit';
import { MessageChangeService } from './timeline/message-changes.service';
import { TimelineService } from './timeline/timeline.service';
import type { MessageChangeRepository } from './timeline/timeline.types';
import type { EventCheckpointRepository } from './timeline/user-events.types';
import { UserEventsService } from './timeline/user-events.service';
import { UserJournal, type UserJournalRepository } from './timeline/user-journal';
import { TypingService } from './typing/typing.service';
import type { UserRepository } from './user/user.types';
import { UserService } from './user/user.service';

/** The ports the domain needs; adapters live in persistence/ and pubsub/. */
export interface DomainPorts {
  readonly users: UserRepository;
  readonly conversations: ConversationRepository;
  readonly memberships: MembershipRepository;
  readonly leases: ConversationLeases;
  readonly messages: MessageRepository;
  readonly changes: MessageChangeRepository;
  readonly checkpoints: EventCheckpointRepository;
  readonly journals: UserJournalRepository;
  readonly attachments: AttachmentRepository;
  readonly attachmentFiles: AttachmentFiles;
  readonly scheduled: ScheduledMessageRepository;
  readonly locks: JobLocks;
  readonly presence: PresenceStore;
  readonly rateLimiter: RateLimiter;
  readonly observer: ChatObserver;
  readonly publisher: EventPublisher;
  readonly subscriber: EventSubscriber;
}

/** The one service layer that GraphQL resolvers and REST routes both call. */
export interface Services {
  readonly users: UserService;
  readonly blocks: BlockService;
  readonly attachments: AttachmentService;
  readonly scheduled: ScheduledMessageService;
  readonly messages: MessageService;
  /** Edits, reactions, pins and deletes. */
  readonly changes: MessageChangeService;
  /** conversationEvents: the resumable event stream. */
  readonly timeline: TimelineService;
  /** userEvents: every event a user should know, across their conversations, with one cursor. */
  readonly userEvents: UserEventsService;
  readonly conversations: ConversationService;
  readonly groups: GroupService;
  readonly typing: TypingService;
  readonly presence: PresenceService;
  readonly live: LiveUpdatesService;
  /** Also used by the WS service for connection attempts. */
  readonly rateLimiter: RateLimiter;
}

/** Timers the rules need, from config (the domain reads no environment). */
export interface DomainSettings {
  /** @see Config.typingExpiryMs */
  readonly typingExpiryMs: number;
  /** @see Config.sendMaxInFlight */
  readonly sendMaxInFlight: number;
  /** @see Config.maxGroupMembers */
  readonly maxGroupMembers: number;
  /** @see Config.maxReactionsPerMessage */
  readonly maxReactionsPerMessage: number;
  /** @see Config.pinRequiresAdmin */
  readonly pinRequiresAdmin: boolean;
  /** @see Config.eventRetentionDays */
  readonly eventRetentionDays: number;
  readonly attachments: AttachmentSettings;
  /** @see Config.scheduleMinLeadSeconds */
  readonly scheduleMinLeadSeconds: number;
}

export function createServices(ports: DomainPorts, settings: DomainSettings): Services {
  const access = new ConversationAccess(ports.users, ports.conversations);
  const writer = new MessageWriter(
    ports.messages,
    ports.conversations,
    ports.memberships,
    ports.leases,
    ports.users,
    ports.publisher,
    ports.observer,
    settings.sendMaxInFlight,
    settings.maxGroupMembers,
  );
  const groupFeeds = new GroupFeeds(ports.subscriber, ports.conversations);
  const visibility = new ConversationVisibility(access, ports.conversations, ports.memberships);
  const journal = new UserJournal(ports.journals, ports.publisher);
  const conversations = new ConversationService(
    ports.conversations,
    ports.memberships,
    ports.messages,
    access,
    ports.leases,
    ports.publisher,
    journal,
    ports.rateLimiter,
  );
  const blocks = new BlockService(access, ports.conversations, ports.leases, ports.rateLimiter, journal);
  const attachments = new AttachmentService(
    ports.attachments,
    ports.attachmentFiles,
    ports.messages,
    visibility,
    ports.rateLimiter,
    settings.attachments,
  );
  const timeline = new TimelineService(
    ports.messages,
    ports.changes,
    ports.conversations,
    visibility,
    groupFeeds,
    settings.eventRetentionDays,
  );
  const messages = new MessageService(
    ports.messages,
    visibility,
    groupFeeds,
    access,
    writer,
    ports.rateLimiter,
    ports.observer,
    attachments,
  );
  return {
    users: new UserService(ports.users, ports.rateLimiter, (userId) => blocks.blockedUserIds(userId)),
    blocks,
    attachments,
    messages,
    scheduled: new ScheduledMessageService(
      ports.scheduled,
      ports.locks,
      messages,
      attachments,
      access,
      ports.conversations,
      ports.rateLimiter,
      journal,
      {
        minLeadSeconds: settings.scheduleMinLeadSeconds,
        attachmentUnsentTtlSeconds: settings.attachments.unsentTtlSeconds,
      },
    ),
    changes: new MessageChangeService(
      ports.messages,
      ports.conversations,
      ports.changes,
      visibility,
      ports.leases,
      ports.publisher,
      ports.rateLimiter,
      settings,
      attachments,
    ),
    timeline,
    userEvents: new UserEventsService(
      timeline,
      visibility,
      ports.checkpoints,
      ports.journals,
      groupFeeds,
      ports.rateLimiter,
      settings.typingExpiryMs,
    ),
    conversations,
    groups: new GroupService(
      ports.conversations,
      ports.memberships,
      ports.users,
      access,
      writer,
      conversations,
      ports.rateLimiter,
    ),
    typing: new TypingService(access, ports.conversations, ports.publisher, ports.rateLimiter),
    presence: new PresenceService(ports.presence, ports.conversations, ports.publisher),
    live: new LiveUpdatesService(ports.subscriber, groupFeeds, access, settings.typingExpiryMs),
    rateLimiter: ports.rateLimiter,
  };
}
