import { useTestSystem } from '../helpers/system';

describe('GraphiQL at /graphiql', () => {
  const env = useTestSystem();

  it('serves a page whose every asset comes from this server, with example operations and the WS endpoint', async () => {
    const response = await fetch(`${env.system.api.url}/graphiql`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    const html = await response.text();
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).not.toMatch(/unpkg|jsdelivr|cdnjs/);
    expect(html).toContain(`':' + ${env.system.config.websocketPort} + '/graphql'`);
    expect(html).toContain('query Me');
    expect(html).toContain('subscription NewMessage');
    expect(html).toContain('fragment MessageFields');
    expect(html).toContain('X-How-To-Authenticate');

    const assets = [...html.matchAll(/(?:src|href)="(\/graphiql\/assets\/[^"]+)"/g)].map((match) => match[1]!);
    expect(assets.sort()).toEqual([
      '/graphiql/assets/graphiql.min.css',
      '/graphiql/assets/graphiql.min.js',
      '/graphiql/assets/react-dom.production.min.js',
      '/graphiql/assets/react.production.min.js',
    ]);
    for (const asset of assets) {
      const file = await fetch(`${env.system.api.url}${asset}`);
      expect({ asset, status: file.status, type: file.headers.get('content-type') }).toEqual({
        asset,
        status: 200,
        type: expect.stringMatching(asset.endsWith('.css') ? /text\/css/ : /javascript/),
      });
      expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(5_000);
    }
    expect((await fetch(`${env.system.api.url}/graphiql/assets/..%2Fpackage.json`)).status).toBe(404);
  });
});
