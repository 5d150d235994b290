import { request, type Agent } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { BenchUser, ConnectOptions, Device } from './system';

/** A device of a GraphQL system: one graphql-ws client. */
export interface GraphqlDevice extends Device {
  readonly client: Client;
}

/**
 * Connects a graphql-ws device (token in connection_init) and opens the first
 * `options.subscriptions` of `subscriptions`; message texts go to `options.onText`.
 */
export async function connectGraphqlDevice(
  url: string,
  user: BenchUser,
  subscriptions: readonly string[],
  options: ConnectOptions,
): Promise<GraphqlDevice> {
  let device!: GraphqlDevice;
  await new Promise<void>((resolve, reject) => {
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${user.token}` },
      lazy: false,
      retryAttempts: 0,
      on: { connected: () => resolve(), closed: (event) => reject(new Error(`closed ${JSON.stringify(event)}`)) },
    });
    device = { user, client, close: () => client.dispose() as Promise<void> };
  });
  for (const query of subscriptions.slice(0, options.subscriptions)) {
    device.client.subscribe<{
      newMessage?: { message: string };
      userEvents?: { message?: { message: string } | null };
    }>(
      { query },
      {
        next: (result) => {
          const text = result.data?.newMessage?.message ?? result.data?.userEvents?.message?.message;
          if (text !== undefined) options.onText(device, text);
        },
        error: () => undefined,
        complete: () => undefined,
      },
    );
  }
  return device;
}

/** POSTs a GraphQL operation over a keep-alive agent; rejects on a non-200 or any `errors`. */
export async function postGraphql(
  port: number,
  agent: Agent,
  token: string,
  query: string,
  variables: object,
): Promise<void> {
  await requestGraphql(port, agent, token, query, variables);
}

/** Like {@link postGraphql}, answering the response's `data`. */
export function requestGraphql(
  port: number,
  agent: Agent,
  token: string,
  query: string,
  variables: object,
): Promise<Record<string, unknown>> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          authorization: `Bearer ${token}`,
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 200 && !text.includes('"errors"'))
            resolve((JSON.parse(text) as { data: Record<string, unknown> }).data);
          else reject(new Error(`GraphQL request failed: ${response.statusCode} ${text.slice(0, 300)}`));
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Runs a mutation on an open graphql-ws connection; rejects on any `errors` (their text kept, codes included). */
export function mutateOverWs(client: Client, query: string, variables: Record<string, unknown>): Promise<void> {
  return new Promise((resolve, reject) => {
    let failed = false;
    client.subscribe(
      { query, variables },
      {
        next: (result) => {
          if (result.errors?.length) {
            failed = true;
            reject(new Error(`GraphQL mutation failed: ${JSON.stringify(result.errors).slice(0, 300)}`));
          }
        },
        error: (error) => reject(error instanceof Error ? error : new Error(JSON.stringify(error).slice(0, 300))),
        complete: () => {
          if (!failed) resolve();
        },
      },
    );
  });
}

/**
 * Subscribe, then complete, `count` times; the batch ends with a query on the same socket, so
 * the server has read every message before this resolves.
 */
export async function churnGraphql(client: Client, count: number, query: string): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    const dispose = client.subscribe(
      { query },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
    await new Promise((resolve) => setImmediate(resolve));
    dispose();
  }
  await new Promise<void>((resolve, reject) => {
    client.subscribe({ query: '{ __typename }' }, { next: () => undefined, error: reject, complete: resolve });
  });
}
