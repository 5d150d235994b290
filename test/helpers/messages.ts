import type { ConversationId, UserId } from '../../src/domain/ids';
import type { NewChatMessage } from '../../src/domain/message/message.repository';

/**
 * A DIRECT text message at `seq` as the writer hands it to the repository (text `m<seq>`, retry key
 * `k<seq>`), for tests that store messages below the service layer; `extra` sets the rest.
 */
export function directMessage(
  conversationId: ConversationId,
  seq: number,
  senderId: UserId,
  receiverId: UserId,
  extra: Partial<NewChatMessage> = {},
): NewChatMessage {
  return {
    conversationId,
    seq,
    senderId,
    receiverId,
    message: `m${seq}`,
    messageType: 'text',
    attachmentUrl: null,
    clientMessageId: `k${seq}`,
    systemEvent: null,
    tally: null,
    replyToId: null,
    mentions: [],
    eventSeq: 0,
    attachments: [],
    ...extra,
  };
}
