import { attachmentPath } from '../domain/attachment/attachment.rules';
import type { MessageAttachment } from '../domain/attachment/attachment.types';
import type { ConversationView } from '../domain/conversation/conversation.view';
import type { Member } from '../domain/conversation/group.service';
import type { ChatMessage } from '../domain/message/message.types';
import type { UserEventView } from '../domain/timeline/user-event.view';
import type { User } from '../domain/user/user.types';
import type { UserLoader } from '../edge/user.loader';

/** The seed's populated user reference. */
function userRef(id: string, user: User | null, withEmail: boolean) {
  return withEmail
    ? { _id: id, name: user?.name ?? null, email: user?.email ?? null }
    : { _id: id, name: user?.name ?? null };
}

/** A message in the seed's `chat_history` shape (senderId/receiverId populated, lower-case type). */
export async function presentMessage(message: ChatMessage, users: UserLoader) {
  const [sender, receiver] = await Promise.all([
    users.load(message.senderId),
    message.receiverId ? users.load(message.receiverId) : null,
  ]);
  return {
    _id: message.id,
    conversationId: message.conversationId,
    senderId: userRef(message.senderId, sender, false),
    // Null in a group, as `systemEvent` is on everything but a group's SYSTEM messages.
    receiverId: message.receiverId ? userRef(message.receiverId, receiver, false) : null,
    message: message.message,
    messageType: message.messageType,
    isRead: message.isRead,
    createdAt: message.createdAt.toISOString(),
    ...(message.systemEvent ? { systemEvent: message.systemEvent } : {}),
    // Only where a message carries files, so a plain message keeps exactly the seed's fields.
    ...(message.attachments.length > 0
      ? { attachmentUrl: message.attachmentUrl, attachments: message.attachments.map(presentAttachment) }
      : {}),
  };
}

/** An attachment as the upload route answers it and messages list it. */
export function presentAttachment(attachment: MessageAttachment) {
  return {
    attachmentId: attachment.id,
    url: attachmentPath(attachment.id),
    fileName: attachment.fileName,
    contentType: attachment.contentType,
    size: attachment.size,
    width: attachment.width,
    height: attachment.height,
  };
}

/** A conversation in the seed's list shape. */
export async function presentConversation(conversation: ConversationView, users: UserLoader) {
  const other = conversation.otherUserId ? await users.load(conversation.otherUserId) : null;
  return {
    conversationId: conversation.conversationId,
    lastMessage: conversation.lastMessage?.message ?? null,
    lastMessageTime: conversation.lastMessageTime?.toISOString() ?? null,
    unreadCount: conversation.unreadCount,
    otherUserId: conversation.otherUserId,
    otherUser: conversation.otherUserId ? userRef(conversation.otherUserId, other, true) : null,
    // A group says what it is; a DIRECT entry keeps exactly the seed's fields.
    ...(conversation.kind === 'GROUP'
      ? {
          kind: conversation.kind,
          title: conversation.title,
          memberCount: conversation.memberCount,
          viewerRole: conversation.viewerRole,
        }
      : {}),
  };
}

/** A group member. */
export async function presentMember(member: Member, users: UserLoader) {
  const user = await users.load(member.userId);
  return { ...userRef(member.userId, user, true), role: member.role, joinedAt: member.joinedAt.toISOString() };
}

/** A userEvents entry: the GraphQL UserEvent's fields, its message in the seed's shape. */
export async function presentUserEvent(event: UserEventView, users: UserLoader) {
  return {
    ...event,
    occurredAt: event.occurredAt.toISOString(),
    message: event.message && (await presentMessage(event.message, users)),
  };
}
