import type { Request, Response, Router } from 'express';
import express from 'express';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** The folder of an installed package (its `exports` hide the UMD files from require.resolve). */
function packageDir(name: string): string {
  let dir = dirname(require.resolve(name));
  while (!dir.endsWith(`${sep}node_modules${sep}${name.replace('/', sep)}`)) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`Cannot locate the ${name} package`);
    dir = parent;
  }
  return dir;
}

/** Every asset the page loads, served from the installed npm packages: no CDN, works offline. */
const ASSETS: Readonly<Record<string, { file: string; type: string }>> = {
  'react.production.min.js': {
    file: join(packageDir('react'), 'umd/react.production.min.js'),
    type: 'text/javascript',
  },
  'react-dom.production.min.js': {
    file: join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
    type: 'text/javascript',
  },
  'graphiql.min.js': { file: join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
};

const OPERATIONS_DIR = resolve(__dirname, '../../schema/operations');

/** Example tabs: the client operations of schema/operations (with their fragments appended). */
function exampleTabs(headers: string): Array<{ query: string; headers: string }> {
  const files = readdirSync(OPERATIONS_DIR).filter((file) => file.endsWith('.graphql'));
  const fragments = files
    .filter((file) => file.includes('fragment'))
    .map((file) => readFileSync(join(OPERATIONS_DIR, file), 'utf8'));
  const wanted = [
    'me.graphql',
    'conversations.graphql',
    'send-message.graphql',
    'new-message.graphql',
    'messages.graphql',
  ];
  return wanted
    .filter((file) => files.includes(file))
    .map((file) => {
      const query = readFileSync(join(OPERATIONS_DIR, file), 'utf8');
      const used = fragments.filter((fragment) => query.includes(`...${/fragment (\w+)/.exec(fragment)?.[1] ?? '§'}`));
      return { query: [query, ...used].join('\n'), headers };
    });
}

/** JSON for a <script> block: `<` escaped so no string can close the tag. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

/**
 * GraphiQL at /graphiql: queries and mutations over HTTP to /graphql, subscriptions over graphql-ws
 * to the WS service (same host, WEBSOCKET_PORT). The Authorization header from the headers editor
 * is sent on HTTP and as the graphql-ws connection_init payload.
 */
export function graphiqlRoutes(websocketPort: number): Router {
  const router = express.Router();
  // An empty Authorization leaves the page anonymous (introspection, docs and autocomplete work);
  // a placeholder token would be refused with 401. The hint header is harmless to the server.
  const headers = JSON.stringify(
    {
      Authorization: '',
      'X-How-To-Authenticate': "Paste 'Bearer <token>' into Authorization; npm run seed prints tokens",
    },
    null,
    2,
  );
  const tabs = exampleTabs(headers);

  router.get('/', (_request: Request, response: Response) => {
    response.type('html').send(`<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Chat GraphQL · GraphiQL</title>
  <link rel="stylesheet" href="/graphiql/assets/graphiql.min.css">
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading GraphiQL…</div>
  <script src="/graphiql/assets/react.production.min.js"></script>
  <script src="/graphiql/assets/react-dom.production.min.js"></script>
  <script src="/graphiql/assets/graphiql.min.js"></script>
  <script>
    const wsScheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const baseFetcher = GraphiQL.createFetcher({
      url: '/graphql',
      subscriptionUrl: wsScheme + '://' + location.hostname + ':' + ${scriptJson(websocketPort)} + '/graphql',
    });
    // GraphiQL keeps a tab's operationName after its text is replaced by an anonymous operation
    // (edit the "Me" tab into "{ me { id } }" and it still sends "Me"), which the server must
    // refuse. Send a name only when the document defines an operation by that name.
    const fetcher = (params, options) => {
      const name = params.operationName;
      const defined = name && new RegExp('\\\\b(query|mutation|subscription)\\\\s+' + name + '\\\\b').test(params.query);
      return baseFetcher(defined || !name ? params : { ...params, operationName: undefined }, options);
    };
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, {
        fetcher,
        defaultTabs: ${scriptJson(tabs)},
        defaultHeaders: ${scriptJson(headers)},
        defaultEditorToolsVisibility: 'headers',
        shouldPersistHeaders: true,
      }),
    );
  </script>
</body>
</html>`);
  });

  router.get('/assets/:name', (request: Request, response: Response) => {
    const asset = ASSETS[String(request.params['name'])];
    if (!asset) {
      response.status(404).json({ success: false, error: { code: 'NOT_FOUND', message: 'No such asset' } });
      return;
    }
    response.type(asset.type).set('Cache-Control', 'public, max-age=86400').sendFile(asset.file);
  });

  return router;
}
