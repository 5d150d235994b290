import { timingSafeEqual } from 'node:crypto';

/**
 * Operator endpoints (`/stats`, `/metrics`) are open unless STATS_TOKEN is set; then they need
 * `Authorization: Bearer <STATS_TOKEN>`, compared in constant time.
 */
export function operatorAllowed(authorization: string | undefined, statsToken: string | null): boolean {
  if (!statsToken) return true;
  const given = Buffer.from(authorization ?? '');
  const expected = Buffer.from(`Bearer ${statsToken}`);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
