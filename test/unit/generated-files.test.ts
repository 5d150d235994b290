import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildChatSchema } from '../../src/graphql/schema';
import { printSchemaWithBanner } from '../../src/graphql/schema-printer';

const root = resolve(__dirname, '../..');
const STALE = 'is stale: run `npm run codegen` and commit the result';

describe('generated files', () => {
  it('schema/schema.graphql matches the resolvers', async () => {
    const schema = await buildChatSchema();
    const committed = readFileSync(resolve(root, 'schema/schema.graphql'), 'utf8');
    expect({ file: 'schema/schema.graphql', upToDate: committed === printSchemaWithBanner(schema) }).toEqual({
      file: 'schema/schema.graphql',
      upToDate: true,
    });
  });

  // The codegen CLI is ESM-only inside, so it runs as a child process; --check writes nothing.
  it('the typed documents match schema/ and its operations', () => {
    const check = spawnSync(resolve(root, 'node_modules/.bin/graphql-codegen'), ['--config', 'codegen.ts', '--check'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect({ file: 'src/client/graphql.ts', upToDate: check.status === 0, hint: STALE }).toEqual({
      file: 'src/client/graphql.ts',
      upToDate: true,
      hint: STALE,
    });
  });
});
