import { useMutation, useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { CancelScheduledMessageDocument, ScheduledMessagesDocument } from '../../../src/client/graphql';

/** How often the list is asked again while something is pending (a send or failure shows within it). */
const POLL_MS = 10_000;

/**
 * The caller's messages scheduled in this conversation: pending ones with Cancel, and recent
 * failures with their reason. `version` changes when one of them was just sent (seen live).
 */
export function ScheduledPanel(props: { conversationId: string; version: string }) {
  const { data, refetch } = useQuery(ScheduledMessagesDocument, {
    variables: { conversationId: props.conversationId },
    pollInterval: POLL_MS,
    fetchPolicy: 'cache-and-network',
  });
  const [cancel] = useMutation(CancelScheduledMessageDocument);
  useEffect(() => {
    void refetch().catch(() => undefined);
  }, [props.version, refetch]);
  const shown = (data?.scheduledMessages ?? []).filter(
    (scheduled) => scheduled.status === 'PENDING' || scheduled.status === 'FAILED',
  );
  if (shown.length === 0) return null;
  return (
    <ul className="scheduled" aria-label="Scheduled messages">
      {shown.map((scheduled) => (
        <li key={scheduled.id} data-testid="scheduled-message" className={scheduled.status.toLowerCase()}>
          <span>
            ⏰ {new Date(scheduled.sendAt).toLocaleString([], { dateStyle: 'short', timeStyle: 'short' })}: “
            {scheduled.message || `${scheduled.attachmentIds.length} attachment(s)`}”
          </span>
          {scheduled.status === 'FAILED' ? (
            <span className="error">Not sent: {scheduled.failureReason}</span>
          ) : (
            <button
              type="button"
              onClick={() =>
                void cancel({ variables: { id: scheduled.id } })
                  .then(() => refetch())
                  .catch((error: unknown) => window.alert(error instanceof Error ? error.message : String(error)))
              }
            >
              Cancel
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
