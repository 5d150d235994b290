import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type FormattedExecutionResult } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { ApiServer } from '../../src/api/api.server';
import type { WsServer } from '../../src/ws/ws.server';
import type { WsStatsSnapshot } from '../../src/ws/ws.stats';

export interface HttpResult<TData> {
  readonly status: number;
  readonly body: FormattedExecutionResult<TData>;
}

/** POSTs one operation to the API service, as Apollo Client would. */
export async function graphqlHttp<TData, TVariables>(
  api: ApiServer,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  token?: string | null,
): Promise<HttpResult<TData>> {
  const response = await fetch(`${api.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query: print(document), variables }),
  });
  return { status: response.status, body: (await response.json()) as FormattedExecutionResult<TData> };
}

/** Like {@link graphqlHttp}, but fails the test on any error and returns `data`. */
export async function graphqlOk<TData, TVariables>(
  api: ApiServer,
  document: TypedDocumentNode<TData, TVariables>,
  variables: TVariables,
  token: string,
): Promise<TData> {
  const { status, body } = await graphqlHttp(api, document, variables, token);
  if (status !== 200 || body.errors || !body.data) {
    throw new Error(`GraphQL request failed (${status}): ${JSON.stringify(body.errors ?? body)}`);
  }
  return body.data;
}

/**
 * A graphql-ws client that connects eagerly and never retries (tests assert on what happens), to
 * an in-process WS server or a spawned WS process.
 */
export function wsClient(
  server: { readonly url: string },
  connectionParams: Record<string, unknown>,
): Client & { closed: Promise<{ code: number; reason: string }> } {
  let onClosed: (event: { code: number; reason: string }) => void = () => undefined;
  const closed = new Promise<{ code: number; reason: string }>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: server.url,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    on: {
      closed: (event) => {
        const { code, reason } = event as { code: number; reason: string };
        onClosed({ code, reason: String(reason) });
      },
    },
    onNonLazyError: () => undefined,
  });
  return Object.assign(client, { closed });
}

/** Events of one subscription, pulled one at a time with a timeout. */
export class SubscriptionProbe<TData, TVariables extends Record<string, unknown> = Record<string, unknown>> {
  private readonly received: Array<FormattedExecutionResult<TData>> = [];
  private readonly waiters: Array<() => void> = [];
  private failure: unknown = null;
  private completed = false;
  private readonly unsubscribe: () => void;

  constructor(client: Client, document: TypedDocumentNode<TData, TVariables>, variables: TVariables) {
    this.unsubscribe = client.subscribe<TData>(
      { query: print(document), variables },
      {
        next: (value) => this.settle(() => this.received.push(value as FormattedExecutionResult<TData>)),
        error: (error) => this.settle(() => (this.failure = error)),
        complete: () => this.settle(() => (this.completed = true)),
      },
    );
  }

  /** The next event, or a rejection after `timeoutMs` naming what was awaited. @default 5000 */
  async next(timeoutMs = 5_000): Promise<FormattedExecutionResult<TData>> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length === 0) {
      if (this.failure) throw new Error(`subscription failed: ${JSON.stringify(this.failure)}`);
      if (this.completed) throw new Error('subscription completed before the next event');
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`no subscription event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.received.shift() as FormattedExecutionResult<TData>;
  }

  stop(): void {
    this.unsubscribe();
  }

  private settle(update: () => void): void {
    update();
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/**
 * Waits until the WS instance's counters satisfy `predicate`, woken by its `change` events (no
 * polling); fails after `timeoutMs` with the counters as they were.
 */
export function waitForStats(
  server: WsServer,
  predicate: (stats: WsStatsSnapshot) => boolean,
  what: string,
  timeoutMs = 5_000,
): Promise<WsStatsSnapshot> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const snapshot = server.stats.snapshot();
      if (!predicate(snapshot)) return;
      finish();
      resolve(snapshot);
    };
    const timer = setTimeout(() => {
      finish();
      reject(new Error(`${what} not reached within ${timeoutMs} ms: ${JSON.stringify(server.stats.snapshot())}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      server.stats.off('change', check);
    };
    server.stats.on('change', check);
    check();
  });
}

/** Waits until the WS instance has exactly `count` live (Redis-confirmed) subscriptions. */
export function waitForSubscriptions(server: WsServer, count: number, timeoutMs = 5_000): Promise<WsStatsSnapshot> {
  return waitForStats(server, (stats) => stats.activeSubscriptions === count, `${count} subscriptions`, timeoutMs);
}

/** Waits until earlier subscriptions and sockets are torn down (sockets close asynchronously). */
export function waitForNoSubscriptions(server: WsServer, timeoutMs = 5_000): Promise<WsStatsSnapshot> {
  return waitForSubscriptions(server, 0, timeoutMs);
}
