import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';

interface ComposeService {
  image?: string;
  profiles?: string[];
  networks?: Record<string, { ipv4_address?: string }>;
  build?: string;
  command?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const root = resolve(__dirname, '../..');
const compose = parse(readFileSync(resolve(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, ComposeService>;
};

describe('docker-compose.yml', () => {
  const byDefault = Object.entries(compose.services).filter(([, service]) => !service.profiles);

  it('defines mongo, redis, api and ws by default, each with a healthcheck', () => {
    expect(byDefault.map(([name]) => name).sort()).toEqual(['api', 'mongo', 'redis', 'ws']);
    for (const [, service] of byDefault) expect(service.healthcheck?.test.length).toBeGreaterThan(0);
  });

  it('has an optional `cluster` profile: three cluster-enabled nodes joined by a one-shot init, and services that accept them', () => {
    const inProfile = Object.entries(compose.services).filter(([, service]) => service.profiles?.includes('cluster'));
    const nodes = inProfile.filter(([name]) => name.startsWith('redis-node-'));
    expect(nodes).toHaveLength(3);
    const addresses = nodes.map(([, node]) => {
      expect(node.command).toEqual(expect.arrayContaining(['--cluster-enabled', 'yes']));
      expect(node.healthcheck?.test.length).toBeGreaterThan(0);
      return `${node.networks?.['default']?.ipv4_address}:6379`;
    });
    const init = compose.services['redis-cluster-init']!;
    expect(init.command).toEqual(['redis-cli', '--cluster', 'create', ...addresses, '--cluster-yes']);
    expect(Object.keys(init.depends_on ?? {}).sort()).toEqual(nodes.map(([name]) => name).sort());
    // What the header comment tells operators to export: the same addresses, accepted by the services.
    const header = readFileSync(resolve(root, 'docker-compose.yml'), 'utf8');
    expect(header).toContain(`REDIS_CLUSTER_NODES=${addresses.join(',')}`);
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-for-compose',
      DATABASE_URL: 'mongodb://mongo:27017/chat',
      REDIS_CLUSTER_NODES: addresses.join(','),
    });
    expect(config.redis).toEqual({
      kind: 'cluster',
      nodes: addresses.map((a) => ({ host: a.split(':')[0], port: 6379 })),
    });
  });

  it.each(['api', 'ws'])('starts %s from the built image with an environment our config accepts', (name) => {
    const service = compose.services[name]!;
    expect(service.build).toBe('.');
    expect(service.command).toEqual(['node', `dist/${name}/main.js`]);
    expect(service.depends_on).toEqual({
      mongo: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
    // Substitute what `docker compose` would: a JWT secret, and the defaults of ${VAR:-default}.
    const env = Object.fromEntries(
      Object.entries(service.environment ?? {}).map(([key, value]) => [
        key,
        String(value)
          .replace(/\$\{JWT_SECRET:\?[^}]*\}/, 'a-production-secret-for-compose')
          .replace(/\$\{[A-Z_]+:-([^}]*)\}/, '$1'),
      ]),
    );
    const config = loadConfig(env);
    expect(config).toMatchObject({ nodeEnv: 'production', bindHost: '0.0.0.0', apiPort: 5000, websocketPort: 8000 });
    expect(config.databaseUrl).toBe('mongodb://mongo:27017/chat');
    expect(config.redisUrl).toBe('redis://redis:6379');
  });

  it('builds from a Dockerfile whose entry points exist in the build output', () => {
    const dockerfile = parseDockerfile(readFileSync(resolve(root, 'Dockerfile'), 'utf8'));
    const build = dockerfile.find((stage) => stage.name === 'build');
    const final = dockerfile.at(-1)!;
    expect(build).toBeDefined();

    // Rebuild the build stage's context in a scratch folder from exactly what it COPYs, and
    // type-check the build there: a source the Dockerfile forgets to copy fails here.
    const context = mkdtempSync(join(tmpdir(), 'docker-context-'));
    try {
      for (const { from, sources } of build!.copies) {
        expect(from).toBeNull();
        for (const source of sources) cpSync(resolve(root, source), join(context, source), { recursive: true });
      }
      symlinkSync(resolve(root, 'node_modules'), join(context, 'node_modules'));
      const tsc = spawnSync(
        process.execPath,
        [resolve(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noEmit'],
        {
          cwd: context,
          encoding: 'utf8',
        },
      );
      expect({ tsc: tsc.status, output: tsc.stdout }).toEqual({ tsc: 0, output: '' });
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
    expect(build!.runs.join('\n')).toMatch(/tsc -p tsconfig\.build\.json/);

    // Every entry point the image or compose starts is what tsc emits for a copied source.
    const { compilerOptions } = JSON.parse(readFileSync(resolve(root, 'tsconfig.build.json'), 'utf8')) as {
      compilerOptions: { rootDir: string; outDir: string };
    };
    const emittedFrom = (entry: string) =>
      join(compilerOptions.rootDir, relative(compilerOptions.outDir, entry)).replace(/\.js$/, '.ts');
    const entries = [final.cmd.at(-1)!, ...['api', 'ws'].map((name) => compose.services[name]!.command!.at(-1)!)];
    for (const entry of entries) {
      expect(existsSync(resolve(root, emittedFrom(entry)))).toBe(true);
      expect(entry.startsWith(`${compilerOptions.outDir}/`)).toBe(true);
    }
    // ...and the final stage takes the build output (and the web client) from the build stage.
    expect(final.copies).toEqual(
      expect.arrayContaining([
        { from: 'build', sources: [`/app/${compilerOptions.outDir}`] },
        { from: 'build', sources: ['/app/web/dist'] },
      ]),
    );
  });
});

interface DockerStage {
  name: string | null;
  copies: Array<{ from: string | null; sources: string[] }>;
  runs: string[];
  cmd: string[];
}

/** The few Dockerfile instructions these tests read: FROM ... AS, COPY [--from], RUN, CMD [json]. */
function parseDockerfile(text: string): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const line of text.split('\n').map((raw) => raw.trim())) {
    const [instruction, ...rest] = line.split(/\s+/);
    if (instruction === 'FROM') stages.push({ name: rest[2] ?? null, copies: [], runs: [], cmd: [] });
    const stage = stages.at(-1);
    if (!stage) continue;
    if (instruction === 'RUN') stage.runs.push(rest.join(' '));
    if (instruction === 'CMD') stage.cmd = JSON.parse(rest.join(' ')) as string[];
    if (instruction === 'COPY') {
      const from = rest[0]?.startsWith('--from=') ? rest.shift()!.slice('--from='.length) : null;
      stage.copies.push({ from, sources: rest.slice(0, -1) });
    }
  }
  return stages;
}
