import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config/config';

interface ComposeService {
  image?: string;
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
  it('defines mongo, redis, api and ws, each with a healthcheck', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'mongo', 'redis', 'ws']);
    for (const service of Object.values(compose.services)) expect(service.healthcheck?.test.length).toBeGreaterThan(0);
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
    const dockerfile = readFileSync(resolve(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npx tsc -p tsconfig\.build\.json/);
    for (const entry of ['src/api/main.ts', 'src/ws/main.ts'])
      expect(() => readFileSync(resolve(root, entry))).not.toThrow();
  });
});
