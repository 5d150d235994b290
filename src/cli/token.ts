import { signToken } from '../auth/jwt';
import { ConfigError, loadConfig } from '../config/config';
import { ChatError } from '../domain/errors';
import { parseUserId } from '../domain/ids';

/** `npm run token -- <userId> [expiresInSeconds]`: prints a development token signed with JWT_SECRET. */
function main(argv: readonly string[]): void {
  const [userId, expires] = argv;
  if (!userId) {
    process.stderr.write('usage: npm run token -- <userId> [expiresInSeconds]\n');
    process.exit(2);
  }
  try {
    const config = loadConfig();
    const seconds = expires === undefined ? undefined : Number(expires);
    if (seconds !== undefined && (!Number.isInteger(seconds) || seconds <= 0)) {
      throw ChatError.badInput('expiresInSeconds must be a positive integer');
    }
    process.stdout.write(`${signToken(parseUserId(userId, 'userId'), config.jwtSecret, seconds)}\n`);
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof ChatError)) throw error;
    process.stderr.write(`token: ${error.message}\n`);
    process.exit(1);
  }
}

main(process.argv.slice(2));
