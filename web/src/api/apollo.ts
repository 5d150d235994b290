import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getMainDefinition } from '@apollo/client/utilities';
import { createClient, type Client } from 'graphql-ws';
import { typePolicies } from './cache-policies';
import { websocketUrl, type ClientConfig } from './client-config';
import { ConnectionMonitor } from './connection';

/** Close codes after which retrying cannot help: the token is bad or expired. */
const AUTH_CLOSE_CODES = new Set([4401, 4403]);

/** 0.5 s, 1 s, 2 s, then every 3 s (plus jitter so a restarted server is not hit all at once). */
function retryWait(retries: number): Promise<void> {
  const base = Math.min(500 * 2 ** retries, 3000);
  return new Promise((resolve) => setTimeout(resolve, base + Math.random() * 300));
}

function closeCode(event: unknown): number | null {
  return typeof event === 'object' && event !== null && 'code' in event && typeof event.code === 'number'
    ? event.code
    : null;
}

export interface ChatConnection {
  readonly client: ApolloClient;
  readonly monitor: ConnectionMonitor;
  dispose(): void;
}

/**
 * Apollo Client with a split link: queries and mutations over HTTP to the API service, subscriptions
 * over graphql-ws to the WS service. The socket opens eagerly (lazy: false) because being
 * connected is what marks the user online, and it retries forever until the token is refused.
 */
export function createChatConnection(config: ClientConfig, token: string): ChatConnection {
  const authorization = `Bearer ${token}`;
  const monitor = new ConnectionMonitor();
  const ws: Client = createClient({
    url: websocketUrl(config),
    connectionParams: { authorization },
    lazy: false,
    keepAlive: 10_000,
    retryAttempts: Number.POSITIVE_INFINITY,
    retryWait,
    shouldRetry: (event) => !AUTH_CLOSE_CODES.has(closeCode(event) ?? 0),
    on: {
      connected: () => monitor.connected(),
      closed: (event) => (AUTH_CLOSE_CODES.has(closeCode(event) ?? 0) ? monitor.unauthorized() : monitor.lost()),
    },
  });

  const http = new HttpLink({ uri: config.graphqlPath, headers: { authorization } });
  const link = ApolloLink.split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === 'OperationDefinition' && definition.operation === 'subscription';
    },
    new GraphQLWsLink(ws),
    http,
  );
  const client = new ApolloClient({ link, cache: new InMemoryCache({ typePolicies }) });
  return {
    client,
    monitor,
    dispose() {
      client.stop();
      void ws.dispose();
    },
  };
}
