// Lint rules, including the architecture: dependencies point inward (see CONVENTIONS.md).
import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

// Every folder of src/ except the two entry points, api/ and ws/.
const layers = [
  'config',
  'domain',
  'persistence',
  'pubsub',
  'edge',
  'graphql',
  'rest',
  'auth',
  'logging',
  'metrics',
  'runtime',
  'launcher',
  'cli',
  'client',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'web/dist/',
      'test-artifacts/',
      '.bench-build/',
      '.tools/',
      '.data/',
      'coverage/',
      'src/client/graphql.ts',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { import: importPlugin },
    // So type-only import fixes never strip a class that decorator metadata needs at runtime.
    languageOptions: { parserOptions: { emitDecoratorMetadata: true, experimentalDecorators: true } },
    settings: { 'import/resolver': { node: { extensions: ['.ts', '.tsx', '.js'] } } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'import/no-default-export': 'error',
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            // The domain is pure: it imports no other src/ folder.
            {
              target: './src/domain',
              from: './src',
              except: ['./domain'],
              message: 'domain/ must not depend on adapters',
            },
            // Adapters see the domain, not the front doors or the wiring.
            ...['persistence', 'pubsub'].map((layer) => ({
              target: `./src/${layer}`,
              from: ['./src/graphql', './src/rest', './src/runtime', './src/api', './src/ws'],
              message: `${layer}/ is an adapter: it must not reach the front doors or the wiring`,
            })),
            // The front doors reach storage only through the domain's ports; driver errors become
            // domain errors in persistence/, and what both doors share lives in edge/.
            ...['graphql', 'rest', 'edge'].map((layer) => ({
              target: `./src/${layer}`,
              from: ['./src/persistence', './src/pubsub'],
              message: `${layer}/ is a front door: it talks to the domain, not to persistence or pub/sub`,
            })),
            {
              target: './src/rest',
              from: './src/graphql',
              message: 'rest/ and graphql/ are two doors: share through edge/',
            },
            {
              target: './src/edge',
              from: ['./src/graphql', './src/rest'],
              message: 'edge/ serves both front doors and imports neither',
            },
            // Cross-cutting leaves: they know nothing of the layers that use them.
            ...['logging', 'metrics', 'config'].map((layer) => ({
              target: `./src/${layer}`,
              from: './src',
              except: [...new Set([`./${layer}`, './domain', './config'])],
              message: `${layer}/ is a leaf: it may use domain/ and config/ types, nothing else`,
            })),
            // Only api/ and ws/ wire things; nothing imports them (tests excepted).
            ...layers.map((layer) => ({
              target: `./src/${layer}`,
              from: ['./src/api', './src/ws'],
              message: 'api/ and ws/ are entry points: nothing in src imports them',
            })),
            { target: './src/api', from: './src/ws', message: 'the two services do not import each other' },
            { target: './src/ws', from: './src/api', message: 'the two services do not import each other' },
          ],
        },
      ],
    },
  },
  {
    // The reference web client: React's rules of hooks, and Vite's config needs a default export.
    files: ['web/**/*.ts', 'web/**/*.tsx', 'web/**/*.mts'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  },
  {
    files: ['web/vite.config.mts'],
    rules: { 'import/no-default-export': 'off' },
  },
  {
    // Tools that require a default export.
    files: ['codegen.ts', 'test/helpers/global-*.ts', 'test/helpers/build-setup.ts'],
    rules: { 'import/no-default-export': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: { process: 'readonly', module: 'writable', require: 'readonly', __dirname: 'readonly' },
    },
  },
);
