/** A demo user as GET /demo/users lists them (only outside production). */
export interface DemoUser {
  readonly id: string;
  readonly name: string | null;
  readonly email: string | null;
  readonly token: string;
}

export async function loadDemoUsers(): Promise<DemoUser[]> {
  const response = await fetch('/demo/users');
  if (response.status === 404) return []; // production: no demo tokens
  if (!response.ok) throw new Error(`GET /demo/users answered ${response.status}`);
  return ((await response.json()) as { users: DemoUser[] }).users;
}

/**
 * The token lives in sessionStorage: one tab, one user, so two tabs (or two browser contexts in
 * the tests) can be two people, and closing the tab signs out.
 */
const KEY = 'chat.token';

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}
