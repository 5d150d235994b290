/** What the service layer reports for metrics; implemented with prom-client in metrics/. */
export interface ChatObserver {
  messageStored(): void;
  /** A send whose clientMessageId was already used: answered with the original. */
  duplicateSendCaught(): void;
  /** A send refused because this instance already held its maximum of sends in flight. */
  sendRefused(): void;
  /** A message a stalled or crashed writer stored but never recorded, folded in by the next writer. */
  leftoverFolded(): void;
  /** A live message handed to a subscriber; `createdAt` gives the send-to-deliver latency. */
  messageDelivered(createdAt: Date): void;
  /** A client caught up from a cursor (`newMessage(after:)` or `messages(after:)`). */
  resumed(via: 'subscription' | 'page'): void;
  /** A client loaded a conversation from its newest end (no cursor): a full resync. */
  fullResync(): void;
}
