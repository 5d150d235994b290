import type { Request } from 'express';
import { ChatError } from '../domain/errors';

/**
 * Query strings must be flat `name=value` pairs. `?targetUserId[$ne]=x` or a repeated parameter
 * is refused outright rather than interpreted, so no input can become a query operator.
 */
export function flatQuery(request: Request, allowed: readonly string[]): Record<string, string | undefined> {
  const result: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(request.query)) {
    if (!allowed.includes(key))
      throw ChatError.badInput(`Unknown query parameter "${key.slice(0, 40)}"`, key.slice(0, 40));
    if (typeof value !== 'string')
      throw ChatError.badInput(`Query parameter ${key} must be given once, as plain text`, key);
    result[key] = value;
  }
  return result;
}

/** Refuses JSON bodies with `$`-prefixed or dotted keys anywhere (operator injection). */
export function assertNoOperatorKeys(value: unknown, path = 'body'): void {
  if (Array.isArray(value)) return value.forEach((item, index) => assertNoOperatorKeys(item, `${path}[${index}]`));
  if (typeof value !== 'object' || value === null) return;
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith('$') || key.includes('.'))
      throw ChatError.badInput(`Key "${key.slice(0, 40)}" is not allowed in ${path}`, path);
    assertNoOperatorKeys(inner, `${path}.${key}`);
  }
}

/** Parses an optional integer query parameter; non-numeric text is a 400, not NaN. */
export function integerParam(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d{1,9}$/.test(value.trim())) throw ChatError.badInput(`${name} must be an integer`, name);
  return Number(value);
}
