import type { ChatMetrics } from '../metrics/chat-metrics';
import type { WsStats } from './ws.stats';

/** Exposes the WS instance's live counters as Prometheus gauges, read at scrape time. */
export function registerWsMetrics(metrics: ChatMetrics, stats: WsStats): void {
  metrics.gauge('chat_ws_connections', 'Open WebSocket connections', () => stats.snapshot().connections);
  metrics.gauge('chat_ws_connected_users', 'Distinct users connected', () => stats.snapshot().connectedUsers);
  metrics.labelledGauge('chat_ws_subscriptions', 'Live subscriptions by root field', 'field', () =>
    stats.subscriptionsByField(),
  );
}
