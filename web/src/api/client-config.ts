/** Where the API service says the WS service listens (GET /client-config.json). */
export interface ClientConfig {
  readonly graphqlPath: string;
  readonly websocketPort: number;
  readonly websocketPath: string;
}

export async function loadClientConfig(): Promise<ClientConfig> {
  const response = await fetch('/client-config.json');
  if (!response.ok) throw new Error(`GET /client-config.json answered ${response.status}`);
  return (await response.json()) as ClientConfig;
}

/** Same host as the page (so cookies, TLS and proxies line up), WS service port. */
export function websocketUrl(config: ClientConfig): string {
  const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${window.location.hostname}:${config.websocketPort}${config.websocketPath}`;
}
