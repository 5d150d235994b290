import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
/** What tests spawn or load from the build: both services and the client entry point. */
const ENTRIES = ['dist/api/main.js', 'dist/ws/main.js', 'dist/client/index.js'];
/** Written by every (incremental) `tsc -p tsconfig.build.json`, even when it had nothing to emit. */
const BUILD_INFO = 'dist/.tsbuildinfo';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Rebuilds dist/ when any source under src/ (or the build settings) changed since the last build,
 * so a test that spawns a service as its own process never runs stale code, whoever started jest.
 * Runs from the global set-ups only: before any test, never while one runs from dist/.
 */
export function ensureFreshBuild(): void {
  const tsc = (reason: string) => {
    process.stderr.write(`» ${reason}: rebuilding (tsc -p tsconfig.build.json)...\n`);
    execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  };
  if (ENTRIES.some((entry) => !existsSync(join(root, entry)))) {
    // An incremental build does not re-emit outputs deleted behind its back.
    rmSync(join(root, BUILD_INFO), { force: true });
    return tsc('dist/ is incomplete');
  }
  const sources = Math.max(newestMtime(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs);
  const builtAt = existsSync(join(root, BUILD_INFO)) ? statSync(join(root, BUILD_INFO)).mtimeMs : 0;
  if (sources > builtAt) tsc('src/ changed since dist/ was built');
}
