/** What the service layer reports for metrics; implemented with prom-client in metrics/. */
export interface ChatObserver {
  messageStored(): void;
  /** A send whose clientMessageId was already used: answered with the original. */
  duplicateSendCaught(): void;
  /** A live message handed to a subscriber; `createdAt` gives the send-to-deliver latency. */
  messageDelivered(createdAt: Date): void;
  /** A client caught up from a cursor (`newMessage(after:)` or `messages(after:)`). */
  resumed(via: 'subscription' | 'page'): void;
  /** A client loaded a conversation from its newest end (no cursor): a full resync. */
  fullResync(): void;
}
