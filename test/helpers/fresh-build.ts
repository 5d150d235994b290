import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
/** What tests spawn or load from the build: both services and the client entry point. */
const ENTRIES = ['dist/api/main.js', 'dist/ws/main.js', 'dist/client/index.js'];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Rebuilds dist/ when any source under src/ (or the build settings) is newer than it, so a test
 * that spawns a service as its own process never runs stale code, whoever started jest.
 */
export function ensureFreshBuild(): void {
  const sources = Math.max(newestMtime(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs);
  const built = ENTRIES.map((entry) => join(root, entry));
  const stale = built.some((path) => !existsSync(path) || statSync(path).mtimeMs < sources);
  if (!stale) return;
  process.stderr.write('» dist/ is older than src/: rebuilding (tsc -p tsconfig.build.json)...\n');
  execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
}
