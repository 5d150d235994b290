import { ApolloProvider } from '@apollo/client/react';
import { StrictMode, useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { createChatConnection, type ChatConnection } from './api/apollo';
import { loadClientConfig, type ClientConfig } from './api/client-config';
import { ChatShell } from './chat/ChatShell';
import { DemoUserPicker } from './session/DemoUserPicker';
import { storedToken, storeToken } from './session/session';
import './styles.css';

function SignedInApp(props: { config: ClientConfig; token: string; onSignOut: () => void }) {
  // One client (cache + socket) per signed-in user; signing out drops both.
  const [connection, setConnection] = useState<ChatConnection | null>(null);
  useEffect(() => {
    const opened = createChatConnection(props.config, props.token);
    setConnection(opened);
    return () => opened.dispose();
  }, [props.config, props.token]);
  if (!connection) return null;
  return (
    <ApolloProvider client={connection.client}>
      <ChatShell monitor={connection.monitor} onSignOut={props.onSignOut} />
    </ApolloProvider>
  );
}

function Root({ config }: { config: ClientConfig }) {
  const [token, setToken] = useState(storedToken);
  const signIn = (next: string | null) => {
    storeToken(next);
    setToken(next);
  };
  return token ? (
    <SignedInApp config={config} token={token} onSignOut={() => signIn(null)} />
  ) : (
    <DemoUserPicker onSignIn={signIn} />
  );
}

const container = document.getElementById('root');
if (!container) throw new Error('index.html has no #root');
loadClientConfig().then(
  (config) =>
    createRoot(container).render(
      <StrictMode>
        <Root config={config} />
      </StrictMode>,
    ),
  (error: unknown) => (container.textContent = `Cannot reach the API service: ${String(error)}`),
);
