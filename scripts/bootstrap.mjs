#!/usr/bin/env node
// Makes a fresh clone runnable: called by `npm start` (prestart), `npm test` (pretest) and the
// CLI scripts. Plain Node with no dependencies, because it runs before `npm ci`.
//   node scripts/bootstrap.mjs start|test|build
// It installs npm packages when missing or stale, installs Debian's redis-server when missing
// (as root, with apt-get), builds the pinned FerretDB when missing, and compiles TypeScript.
// Anything it cannot do it reports in one line saying what is missing and how to get it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mode = process.argv[2] ?? 'build';
const env = process.env;

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

function step(message) {
  process.stderr.write(`» ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  return result.status === 0;
}

function has(command, args = ['--version']) {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function ensureNodeModules() {
  const marker = join(root, 'node_modules/.package-lock.json');
  const stale = !existsSync(marker) || statSync(join(root, 'package-lock.json')).mtimeMs > statSync(marker).mtimeMs;
  if (!stale) return;
  step('Installing npm packages (npm ci)...');
  if (!run('npm', ['ci', '--no-audit', '--no-fund'])) fail('npm ci failed: see the output above.');
}

function ensureRedisServer() {
  if (has('redis-server')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get', ['--version'])) {
    fail(
      "redis-server is missing: install it (Debian/Ubuntu: 'sudo apt-get install -y redis-server') or set REDIS_URL / TEST_REDIS_URL.",
    );
  }
  step("Installing Debian's redis-server (first run only)...");
  const quiet = { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } };
  if (!run('apt-get', ['update', '-qq'], quiet) || !run('apt-get', ['install', '-y', '-qq', 'redis-server'], quiet)) {
    fail("Installing redis-server failed: run 'apt-get install -y redis-server' and retry.");
  }
}

function ensureFerretDb() {
  if (!run('bash', [join(root, 'scripts/build-ferretdb.sh')])) {
    fail('FerretDB could not be built (see above): fix that or set DATABASE_URL / TEST_DATABASE_URL to a MongoDB.');
  }
}

function build() {
  if (!run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'])) fail('TypeScript build failed.');
}

ensureNodeModules();
switch (mode) {
  case 'start':
    if (!env.REDIS_URL) ensureRedisServer();
    if (!env.DATABASE_URL) ensureFerretDb();
    build();
    break;
  case 'test':
    // Fault tests stop and restart their own redis-server, so the binary is needed even with TEST_REDIS_URL.
    ensureRedisServer();
    if (!env.TEST_DATABASE_URL) ensureFerretDb();
    build(); // fault tests run services as separate processes from dist/
    break;
  case 'build':
    build();
    break;
  default:
    fail(`bootstrap: unknown mode "${mode}" (start, test or build)`);
}
