import { defineConfig } from 'vite';

/**
 * The reference web client. `npm run build:web` writes web/dist, which the API service serves at
 * `/`. `npm run web` is a dev server on :5173 that proxies the API routes to API_PORT (5000), so
 * the page talks to a running `npm start`. JSX is compiled by Vite's own transform (tsconfig's
 * "jsx": "react-jsx"); no React plugin is needed for a production build.
 */
const api = `http://127.0.0.1:${process.env.API_PORT ?? '5000'}`;

export default defineConfig({
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: { '/graphql': api, '/demo': api, '/client-config.json': api },
  },
});
