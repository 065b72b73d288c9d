// Transport security and access logging for every API request.
//
// In production the app runs behind the hosting provider's TLS proxy: plain-HTTP requests are
// redirected to HTTPS (308) and HTTPS responses carry HSTS. `/health` stays reachable over HTTP
// for the platform's probes. HTTPS_REDIRECT=off turns this off (e.g. a private network).

export const HSTS = 'max-age=31536000; includeSubDomains';

// `next start` always sets NODE_ENV=production; `npm start` passes the environment the operator
// chose (NODE_ENV, development when unset) on as APP_ENV.
export function environment(): string | undefined {
  return process.env.APP_ENV ?? process.env.NODE_ENV;
}

function httpsRequired(): boolean {
  return environment() === 'production' && process.env.HTTPS_REDIRECT !== 'off';
}

// How many proxies to trust for X-Forwarded-Proto / X-Forwarded-For (TRUST_PROXY, default 1).
export function trustedProxies(): number {
  const hops = Number(process.env.TRUST_PROXY ?? 1);
  return Number.isInteger(hops) && hops >= 0 ? hops : 1;
}

// The hop `trustedProxies()` places from the end of a comma-separated forwarded header.
function forwarded(request: Request, header: string): string | undefined {
  const hops = trustedProxies();
  if (hops === 0) return undefined;
  const values = (request.headers.get(header) ?? '').split(',').map((v) => v.trim()).filter(Boolean);
  return values.length ? values[Math.max(0, values.length - hops)] : undefined;
}

export function isSecure(request: Request): boolean {
  const proto = forwarded(request, 'x-forwarded-proto') ?? new URL(request.url).protocol.replace(':', '');
  return proto === 'https';
}

export function clientIp(request: Request): string | null {
  return forwarded(request, 'x-forwarded-for') ?? null;
}

// A redirect to HTTPS when one is required, otherwise the headers every response gets.
export function enforceHttps(request: Request): { redirect?: Response; headers: Record<string, string> } {
  const url = new URL(request.url);
  if (!httpsRequired() || url.pathname === '/health') return { headers: {} };
  if (!isSecure(request)) {
    const host = (request.headers.get('host') ?? url.host).replace(/:\d+$/, '');
    return {
      redirect: new Response(null, { status: 308, headers: { location: `https://${host}${url.pathname}${url.search}` } }),
      headers: {},
    };
  }
  return { headers: { 'strict-transport-security': HSTS } };
}

// One JSON line per request: method, path (never the query string or body, which may carry
// personal data), status, duration, client address and the signed-in user's id.
export const accessLog = {
  write(line: string): void {
    if (process.env.NODE_ENV !== 'test') process.stdout.write(line + '\n');
  },
};

export function logRequest(request: Request, status: number, started: bigint, userId: string | undefined): void {
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  accessLog.write(JSON.stringify({
    time: new Date().toISOString(),
    level: 'info',
    msg: 'request',
    method: request.method,
    path: new URL(request.url).pathname,
    status,
    ms: Math.round(ms * 10) / 10,
    ip: clientIp(request),
    user: userId ?? null,
  }));
}
