// A small JSON client for the generated API; the bearer token lives in localStorage.
const TOKEN_KEY = 'token';

export function getToken(): string {
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

export function setToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  constructor(public readonly status: number, public readonly body: unknown) {
    super(`HTTP ${status}`);
  }
}

// Sessions are short (automatic logoff): an active user's token is renewed once half its lifetime
// has passed; an idle user's token expires and the next request has to sign in again.
function lifetime(token: string): { iat: number; exp: number } | undefined {
  try {
    const part = (token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const claims = JSON.parse(atob(part)) as { iat?: unknown; exp?: unknown };
    if (typeof claims.iat === 'number' && typeof claims.exp === 'number') return { iat: claims.iat, exp: claims.exp };
  } catch {
    // Not a JWT: nothing to renew.
  }
  return undefined;
}

let renewing = false;

async function renewIfDue(): Promise<void> {
  const token = getToken();
  const times = token ? lifetime(token) : undefined;
  const now = Date.now() / 1000;
  if (!times || renewing || now < (times.iat + times.exp) / 2 || now >= times.exp) return;
  renewing = true;
  try {
    const response = await fetch('/api/auth/refresh', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (response.ok) setToken(((await response.json()) as { token: string }).token);
  } finally {
    renewing = false;
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  if (!path.startsWith('/api/auth/')) await renewIfDue().catch(() => undefined);
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  const parsed: unknown = text ? JSON.parse(text) : null;
  if (response.status === 401 && token) setToken('');
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed as T;
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
}

export type Row = Record<string, unknown> & { id: number };
