import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as client from '../../src/client';

const root = resolve(__dirname, '../..');

describe('the typed client entry point', () => {
  it('exports a typed document for every operation in schema/operations', () => {
    const dir = resolve(root, 'schema/operations');
    const names = readdirSync(dir)
      .flatMap((file) => [
        ...readFileSync(resolve(dir, file), 'utf8').matchAll(/^(?:query|mutation|subscription) (\w+)/gm),
      ])
      .map((match) => `${match[1]}Document`);
    expect(names.length).toBeGreaterThan(20);
    for (const name of names) expect({ name, exported: name in client }).toEqual({ name, exported: true });
  });

  it('resolves as graphql-realtime-chat/client through the package exports', () => {
    // A separate Node process resolves the package by name, as an integrator's code would.
    const script =
      "console.log(Object.keys(require('graphql-realtime-chat/client')).filter((k) => k.endsWith('Document')).length)";
    const count = Number(execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' }).trim());
    expect(count).toBeGreaterThan(20);
  });
});
