import { useSyncExternalStore } from 'react';
import type { ConnectionMonitor } from '../api/connection';

const LABELS = {
  connecting: 'Connecting…',
  connected: 'Live',
  reconnecting: 'Reconnecting… (messages you miss are fetched when it is back)',
  unauthorized: 'Signed out by the server: the token was refused or expired',
} as const;

export function ConnectionStatus({ monitor }: { monitor: ConnectionMonitor }) {
  const state = useSyncExternalStore(monitor.subscribe, monitor.getSnapshot);
  return (
    <span className={`connection connection-${state}`} data-testid="connection-status" data-state={state}>
      {LABELS[state]}
    </span>
  );
}
