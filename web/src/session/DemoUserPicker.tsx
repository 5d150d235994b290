import { useEffect, useState, type FormEvent } from 'react';
import { loadDemoUsers, type DemoUser } from './session';

/** Stands in for the main app's login: pick a seeded demo user, or paste a token. */
export function DemoUserPicker({ onSignIn }: { onSignIn: (token: string) => void }) {
  const [users, setUsers] = useState<DemoUser[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pasted, setPasted] = useState('');

  useEffect(() => {
    loadDemoUsers()
      .then(setUsers)
      .catch((reason: unknown) => setError(String(reason)));
  }, []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const token = pasted.trim().replace(/^Bearer\s+/i, '');
    if (token) onSignIn(token);
  };

  return (
    <main className="picker">
      <h1>Chat</h1>
      <p>Reference web client for the GraphQL chat API. Sign in as a demo user:</p>
      {error && <p className="error">{error}</p>}
      {users === null && !error && <p>Loading demo users…</p>}
      {users?.length === 0 && (
        <p className="hint">
          No demo users yet: run <code>npm run seed</code>, then reload.
        </p>
      )}
      <ul className="picker-users">
        {users?.map((user) => (
          <li key={user.id}>
            <button type="button" onClick={() => onSignIn(user.token)}>
              {user.name ?? user.id}
            </button>
            <span className="muted">{user.email}</span>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} className="picker-token">
        <label>
          …or paste a token
          <input value={pasted} onChange={(event) => setPasted(event.target.value)} placeholder="eyJhbGciOi…" />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}
