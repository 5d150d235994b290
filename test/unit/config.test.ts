import { ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '../../src/config/config';

describe('loadConfig', () => {
  it('runs with no variables at all outside production, on the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      databaseUrl: 'mongodb://127.0.0.1:27017/chat',
      redisUrl: 'redis://127.0.0.1:6379',
      apiPort: 5000,
      websocketPort: 8000,
      bindHost: '127.0.0.1',
      jwtSecret: DEVELOPMENT_JWT_SECRET,
      usingDevelopmentSecret: true,
      logLevel: 'info',
      maxGroupMembers: 1000,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    [{ API_PORT: 'abc' }, /API_PORT/],
    [{ API_PORT: '70000' }, /API_PORT/],
    [{ WEBSOCKET_PORT: '-1' }, /WEBSOCKET_PORT/],
    [{ DATABASE_URL: 'postgres://x' }, /DATABASE_URL/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL/],
    [{ CLIENT_URL: 'http://ok.test,not an origin' }, /CLIENT_URL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET/],
    [{ NODE_ENV: 'staging' }, /NODE_ENV/],
    [{ MAX_GROUP_MEMBERS: '1' }, /MAX_GROUP_MEMBERS/],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1' }, /REDIS_CLUSTER_NODES/],
    [{ REDIS_CLUSTER_NODES: '127.0.0.1:99999' }, /REDIS_CLUSTER_NODES/],
    [{ REDIS_SENTINELS: 'a:26379' }, /REDIS_SENTINEL_NAME is required/],
    [{ REDIS_SENTINEL_NAME: 'chat' }, /REDIS_SENTINEL_NAME needs REDIS_SENTINELS/],
    [{ REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'x', REDIS_CLUSTER_NODES: 'b:2' }, /not both/],
  ])('stops on %p with one line naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(name);
    try {
      loadConfig(env);
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('requires JWT_SECRET, DATABASE_URL and REDIS_URL in production', () => {
    const complete = {
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-length',
      DATABASE_URL: 'mongodb://db.internal:27017/chat',
      REDIS_URL: 'redis://cache.internal:6379',
    };
    expect(loadConfig(complete).usingDevelopmentSecret).toBe(false);
    for (const name of ['JWT_SECRET', 'DATABASE_URL', 'REDIS_URL'] as const) {
      const { [name]: _omitted, ...rest } = complete;
      expect(() => loadConfig(rest)).toThrow(new RegExp(`${name} is required`));
    }
  });

  it('splits CLIENT_URL into origins and treats empty variables as unset', () => {
    const config = loadConfig({ CLIENT_URL: 'http://a.test, https://b.test:8443', API_PORT: '' });
    expect(config.clientOrigins).toEqual(['http://a.test', 'https://b.test:8443']);
    expect(config.apiPort).toBe(5000);
  });

  it('selects one Redis deployment: a URL by default, else Sentinel or Cluster, which then stand in for REDIS_URL in production', () => {
    expect(loadConfig({}).redis).toEqual({ kind: 'single', url: 'redis://127.0.0.1:6379' });
    expect(loadConfig({ REDIS_SENTINELS: 's1:26379, [::1]:26380', REDIS_SENTINEL_NAME: 'chat' }).redis).toEqual({
      kind: 'sentinel',
      name: 'chat',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: '::1', port: 26380 },
      ],
    });
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2:7001' }).redis).toEqual({
      kind: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
    });
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: 'a-production-secret-of-length',
      DATABASE_URL: 'mongodb://db.internal:27017/chat',
    };
    expect(loadConfig({ ...production, REDIS_CLUSTER_NODES: 'c1:7000' }).redis.kind).toBe('cluster');
  });
});
