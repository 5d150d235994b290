import type { FieldMergeFunction, Reference, TypePolicies } from '@apollo/client';

interface StoredConnection {
  readonly __typename?: string;
  readonly nodes: readonly Reference[];
  readonly edges: readonly { readonly __typename?: string; readonly cursor: string; readonly node: Reference }[];
  readonly pageInfo: {
    readonly __typename?: string;
    readonly hasNextPage: boolean;
    readonly hasPreviousPage: boolean;
    readonly startCursor: string | null;
    readonly endCursor: string | null;
  };
}

/**
 * One list per conversation for `messages`, whatever page was fetched: older pages (`before`),
 * newer pages (`after`, used by resume) and messages written by subscriptions all land in it.
 * Within the seq range a server page covers, the server's answer wins, so a message deleted
 * while this client was offline disappears on the next fetch; outside it, what we had stays.
 * Nodes are deduplicated by id, which is what keeps resume from doubling a message.
 */
const mergeMessages: FieldMergeFunction<StoredConnection, StoredConnection> = (existing, incoming, { readField }) => {
  const seqOf = (node: Reference): number => readField<number>('seq', node) ?? Number.MAX_SAFE_INTEGER;
  const idOf = (node: Reference): string => readField<string>('id', node) ?? '';
  const incomingSeqs = incoming.nodes.map(seqOf);
  const low = Math.min(...incomingSeqs);
  const high = Math.max(...incomingSeqs);
  const incomingIds = new Set(incoming.nodes.map(idOf));
  const kept = (existing?.nodes ?? []).filter((node) => {
    const seq = seqOf(node);
    return !incomingIds.has(idOf(node)) && (seq < low || seq > high);
  });
  const unique = new Map<string, Reference>();
  for (const node of [...kept, ...incoming.nodes]) unique.set(idOf(node), node);
  const nodes = [...unique.values()].sort((a, b) => seqOf(a) - seqOf(b));

  // Whether older messages exist is known by whichever side holds the oldest message.
  const existingOldest = existing?.nodes[0] ? seqOf(existing.nodes[0]) : Infinity;
  const hasPreviousPage =
    existing && existingOldest < low ? existing.pageInfo.hasPreviousPage : incoming.pageInfo.hasPreviousPage;
  const first = nodes[0];
  const last = nodes[nodes.length - 1];
  return {
    ...incoming,
    nodes,
    edges: nodes.map((node) => ({ __typename: 'MessageEdge', cursor: readField<string>('cursor', node) ?? '', node })),
    pageInfo: {
      ...incoming.pageInfo,
      hasPreviousPage,
      startCursor: first ? (readField<string>('cursor', first) ?? null) : null,
      endCursor: last ? (readField<string>('cursor', last) ?? null) : null,
    },
  };
};

export const typePolicies: TypePolicies = {
  Conversation: { keyFields: ['conversationId'] },
  UserPresence: { keyFields: ['userId'] },
  Query: {
    fields: {
      // The client names every conversation by id (DIRECT "<a>_<b>" or a group's "g_…").
      messages: { keyArgs: ['targetUserId', 'conversationId'], merge: mergeMessages },
      conversations: { keyArgs: false, merge: (_existing, incoming: unknown) => incoming },
    },
  },
};
