import { useQuery, useSubscription } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { PresenceDocument, UserStatusDocument } from '../../../src/client/graphql';
import type { ConnectionMonitor } from '../api/connection';

/**
 * Online state of these users: a snapshot query, then live `userStatus` changes on top. The
 * snapshot is taken again after a reconnect, since changes while offline were not seen.
 */
export function usePresence(userIds: readonly string[], monitor: ConnectionMonitor): ReadonlyMap<string, boolean> {
  const key = [...userIds].sort().join(',');
  const { data, refetch } = useQuery(PresenceDocument, {
    variables: { userIds: key ? key.split(',') : [] },
    skip: key === '',
    fetchPolicy: 'network-only',
  });
  const [live, setLive] = useState<ReadonlyMap<string, boolean>>(new Map());
  useEffect(() => setLive(new Map()), [data]); // a fresh snapshot supersedes earlier events
  useEffect(() => monitor.onReconnected(() => void refetch().catch(() => undefined)), [monitor, refetch]);

  useSubscription(UserStatusDocument, {
    onData: ({ data: event }) => {
      const status = event.data?.userStatus;
      if (status) setLive((current) => new Map(current).set(status.userId, status.type === 'USER_ONLINE'));
    },
  });

  const merged = new Map<string, boolean>();
  for (const entry of data?.presence ?? []) merged.set(entry.userId, entry.online);
  for (const [userId, online] of live) merged.set(userId, online);
  return merged;
}
