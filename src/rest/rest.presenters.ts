import type { ConversationView } from '../domain/conversation/conversation.view';
import type { ChatMessage } from '../domain/message/message.types';
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
  const [sender, receiver] = await Promise.all([users.load(message.senderId), users.load(message.receiverId)]);
  return {
    _id: message.id,
    conversationId: message.conversationId,
    senderId: userRef(message.senderId, sender, false),
    receiverId: userRef(message.receiverId, receiver, false),
    message: message.message,
    messageType: message.messageType,
    isRead: message.isRead,
    createdAt: message.createdAt.toISOString(),
  };
}

/** A conversation in the seed's list shape. */
export async function presentConversation(conversation: ConversationView, users: UserLoader) {
  const other = await users.load(conversation.otherUserId);
  return {
    conversationId: conversation.conversationId,
    lastMessage: conversation.lastMessage?.message ?? null,
    lastMessageTime: conversation.lastMessageTime?.toISOString() ?? null,
    unreadCount: conversation.unreadCount,
    otherUserId: conversation.otherUserId,
    otherUser: userRef(conversation.otherUserId, other, true),
  };
}
