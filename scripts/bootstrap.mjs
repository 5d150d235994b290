#!/usr/bin/env node
// Makes a fresh clone runnable: called by `npm start` (prestart), `npm test` (pretest) and the
// CLI scripts. Plain Node with no dependencies, because it runs before `npm ci`.
//   node scripts/bootstrap.mjs start|test|build
// It installs npm packages when missing or stale, installs Debian's redis-server (and, for tests,
// chromium) when missing (as root, with apt-get), builds the pinned FerretDB when missing, and
// compiles TypeScript and the web client.
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

/**
 * Installs missing Debian packages in one apt-get run (as root), or stops with one line naming
 * what is missing and how to get it.
 */
function ensureDebianPackages(wanted) {
  const missing = wanted.filter((entry) => !entry.present());
  if (missing.length === 0) return;
  const packages = missing.map((entry) => entry.package);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !has('apt-get', ['--version'])) fail(missing.map((entry) => entry.hint).join('\n'));
  step(`Installing Debian's ${packages.join(' and ')} (first run only)...`);
  const quiet = { env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } };
  if (!run('apt-get', ['update', '-qq'], quiet) || !run('apt-get', ['install', '-y', '-qq', ...packages], quiet)) {
    fail(`Installing ${packages.join(' ')} failed: run 'apt-get install -y ${packages.join(' ')}' and retry.`);
  }
}

const REDIS = {
  package: 'redis-server',
  present: () => has('redis-server'),
  hint: "redis-server is missing: install it (Debian/Ubuntu: 'sudo apt-get install -y redis-server') or set REDIS_URL / TEST_REDIS_URL.",
};

/** Browser tests drive Debian's Chromium (CHROMIUM_PATH points elsewhere, e.g. on macOS). */
const CHROMIUM = {
  package: 'chromium',
  present: () => existsSync(env.CHROMIUM_PATH ?? '/usr/bin/chromium'),
  hint: "chromium is missing for the browser tests: 'sudo apt-get install -y chromium', or set CHROMIUM_PATH to a Chrome/Chromium binary.",
};

function ensureFerretDb() {
  if (!run('bash', [join(root, 'scripts/build-ferretdb.sh')])) {
    fail('FerretDB could not be built (see above): fix that or set DATABASE_URL / TEST_DATABASE_URL to a MongoDB.');
  }
}

function build() {
  if (!run(join(root, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json'])) fail('TypeScript build failed.');
}

/** The reference web client (web/ → web/dist), which the API service serves at `/`. */
function buildWebClient() {
  if (!run(join(root, 'node_modules/.bin/vite'), ['build', 'web', '--logLevel', 'warn']))
    fail('Web client build failed.');
}

ensureNodeModules();
switch (mode) {
  case 'start':
    if (!env.REDIS_URL) ensureDebianPackages([REDIS]);
    if (!env.DATABASE_URL) ensureFerretDb();
    build();
    buildWebClient();
    break;
  case 'test':
    // Fault tests stop and restart their own redis-server, so the binary is needed even with TEST_REDIS_URL.
    ensureDebianPackages([REDIS, CHROMIUM]);
    if (!env.TEST_DATABASE_URL) ensureFerretDb();
    build(); // fault tests run services as separate processes from dist/
    buildWebClient(); // browser tests load it from the API service
    break;
  case 'build':
    build();
    break;
  case 'bench':
    ensureDebianPackages([REDIS]);
    if (!env.BENCH_DATABASE_URL) ensureFerretDb();
    build(); // the benchmark spawns the services from dist/
    if (!run(join(root, 'node_modules/.bin/tsc'), ['-p', 'bench/tsconfig.json'])) fail('Benchmark build failed.');
    break;
  default:
    fail(`bootstrap: unknown mode "${mode}" (start, test, bench or build)`);
}
