import { InMemoryCache } from '@apollo/client';
import {
  ConversationsDocument,
  MessagesDocument,
  type ConversationFieldsFragment,
  type MessageFieldsFragment,
  type MessagesQuery,
} from '../../src/client/graphql';
import { typePolicies } from '../../web/src/api/cache-policies';
import { addMessage, loadedHistories, removeMessage } from '../../web/src/live/cache-updates';

/**
 * The web client's cache rules, on a real Apollo InMemoryCache: these decide whether a user sees
 * a message once, twice or never after paging, resuming and live events overlap.
 */
const ME = 'a'.repeat(24);
const BOB = 'b'.repeat(24);
const CONVERSATION = `${ME}_${BOB}`;

function message(seq: number, from = BOB): MessageFieldsFragment {
  const to = from === BOB ? ME : BOB;
  return {
    __typename: 'Message',
    id: `m${seq}`,
    cursor: `c${seq}`,
    conversationId: CONVERSATION,
    seq,
    senderId: from,
    receiverId: to,
    message: `message ${seq}`,
    messageType: 'TEXT',
    attachmentUrl: null,
    clientMessageId: `k${seq}`,
    isRead: false,
    readByCount: 0,
    systemEvent: null,
    readAt: null,
    createdAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    updatedAt: new Date(1_700_000_000_000 + seq * 1000).toISOString(),
    sender: { __typename: 'User', id: from, name: null },
    receiver: { __typename: 'User', id: to, name: null },
    editedAt: null,
    replyToId: null,
    mentionedUserIds: [],
    pinnedAt: null,
    reactions: [],
    attachments: [],
  } as MessageFieldsFragment;
}

function page(seqs: number[], hasPreviousPage: boolean, hasNextPage = false): MessagesQuery {
  const nodes = seqs.map((seq) => message(seq));
  return {
    messages: {
      __typename: 'MessageConnection',
      nodes,
      edges: nodes.map((node) => ({
        __typename: 'MessageEdge',
        cursor: node.cursor,
        node: { __typename: 'Message', id: node.id },
      })),
      pageInfo: {
        __typename: 'PageInfo',
        hasNextPage,
        hasPreviousPage,
        startCursor: nodes[0]?.cursor ?? null,
        endCursor: nodes[nodes.length - 1]?.cursor ?? null,
      },
    },
  } as MessagesQuery;
}

function write(cache: InMemoryCache, data: MessagesQuery, cursors: { before?: string; after?: string } = {}) {
  cache.writeQuery({
    query: MessagesDocument,
    variables: { conversationId: CONVERSATION, first: 3, ...cursors },
    data,
  });
}

function read(cache: InMemoryCache) {
  const data = cache.readQuery({ query: MessagesDocument, variables: { conversationId: CONVERSATION } });
  return {
    seqs: data?.messages.nodes.map((node) => node.seq),
    hasPreviousPage: data?.messages.pageInfo.hasPreviousPage,
  };
}

describe('web client cache: one list per conversation', () => {
  it('prepends older pages and appends newer ones, each message once and in seq order', () => {
    const cache = new InMemoryCache({ typePolicies });
    write(cache, page([4, 5, 6], true));
    write(cache, page([1, 2, 3], false), { before: 'c4' });
    expect(read(cache)).toEqual({ seqs: [1, 2, 3, 4, 5, 6], hasPreviousPage: false });
    write(cache, page([6, 7, 8], true), { after: 'c5' }); // overlaps by one
    expect(read(cache)).toEqual({ seqs: [1, 2, 3, 4, 5, 6, 7, 8], hasPreviousPage: false });
  });

  it("takes the server's page as the truth within its range: a message deleted while offline goes", () => {
    const cache = new InMemoryCache({ typePolicies });
    write(cache, page([1, 2, 3, 4, 5], false));
    write(cache, page([3, 5], true)); // newest page again, 4 was deleted meanwhile
    expect(read(cache)).toEqual({ seqs: [1, 2, 3, 5], hasPreviousPage: false });
  });

  it('keeps a message that arrives live and again in a resume page once, and counts it unread once', () => {
    const cache = new InMemoryCache({ typePolicies });
    cache.writeQuery({
      query: ConversationsDocument,
      variables: { limit: 100 },
      data: {
        conversations: [
          {
            __typename: 'Conversation',
            conversationId: CONVERSATION,
            otherUserId: BOB,
            otherUser: null,
            lastMessage: 'message 1',
            lastMessageTime: message(1).createdAt,
            lastSeq: 1,
            unreadCount: 0,
            kind: 'DIRECT',
            title: null,
            memberCount: 2,
            viewerRole: 'MEMBER',
            receiptsEnabled: true,
            typingEnabled: true,
            mentionCount: 0,
            eventCursor: 'e0',
            blocked: false,
            blockedByViewer: false,
            readSeq: 1,
          } as ConversationFieldsFragment,
        ],
      },
    });
    write(cache, page([1], false));
    addMessage(cache, message(2), ME);
    addMessage(cache, message(2), ME); // the same event twice (live + replay)
    write(cache, page([2], false, false), { after: 'c1' });
    expect(read(cache).seqs).toEqual([1, 2]);
    const conversations = cache.readQuery({ query: ConversationsDocument, variables: { limit: 100 } });
    expect(conversations?.conversations[0]).toMatchObject({ unreadCount: 1, lastSeq: 2, lastMessage: 'message 2' });

    addMessage(cache, message(3, ME), ME); // my own message: no unread for me
    expect(
      cache.readQuery({ query: ConversationsDocument, variables: { limit: 100 } })?.conversations[0],
    ).toMatchObject({ unreadCount: 1, lastSeq: 3 });
  });

  it("counts a group's messages from others, not its SYSTEM messages, and zeroes the count when I send (the server's rule)", () => {
    const cache = new InMemoryCache({ typePolicies });
    const GROUP = `g_${'c'.repeat(24)}`;
    const inGroup = (seq: number, from: string, type: 'TEXT' | 'SYSTEM' = 'TEXT') =>
      ({
        ...message(seq, from),
        conversationId: GROUP,
        receiverId: null,
        receiver: null,
        messageType: type,
      }) as MessageFieldsFragment;
    cache.writeQuery({
      query: ConversationsDocument,
      variables: { limit: 100 },
      data: {
        conversations: [
          {
            __typename: 'Conversation',
            conversationId: GROUP,
            otherUserId: null,
            otherUser: null,
            lastMessage: null,
            lastMessageTime: null,
            lastSeq: 1,
            unreadCount: 0,
            kind: 'GROUP',
            title: 'Team',
            memberCount: 3,
            viewerRole: 'MEMBER',
            receiptsEnabled: true,
            typingEnabled: true,
            mentionCount: 0,
            eventCursor: 'e0',
            blocked: false,
            blockedByViewer: false,
            readSeq: 1,
          } as ConversationFieldsFragment,
        ],
      },
    });
    const unread = () =>
      cache.readQuery({ query: ConversationsDocument, variables: { limit: 100 } })?.conversations[0]?.unreadCount;
    addMessage(cache, inGroup(2, BOB), ME);
    addMessage(cache, inGroup(3, BOB, 'SYSTEM'), ME);
    addMessage(cache, inGroup(4, BOB), ME);
    expect(unread()).toBe(2);
    addMessage(cache, inGroup(5, ME), ME);
    expect(unread()).toBe(0);
  });

  it('removes a deleted message from the list and finds loaded histories by conversation', () => {
    const cache = new InMemoryCache({ typePolicies });
    write(cache, page([1, 2, 3], false));
    removeMessage(cache, 'm2');
    expect(read(cache).seqs).toEqual([1, 3]);
    expect(loadedHistories(cache)).toEqual([CONVERSATION]);
  });
});
