// Transport security and access logging for every request (Fastify hooks).
//
// In production the app runs behind the hosting provider's TLS proxy: plain-HTTP requests are
// redirected to HTTPS (308) and HTTPS responses carry HSTS. `/health` stays reachable over HTTP
// for the platform's probes. HTTPS_REDIRECT=off turns this off (e.g. a private network).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const HSTS = 'max-age=31536000; includeSubDomains';

function httpsRequired(): boolean {
  return process.env.NODE_ENV === 'production' && process.env.HTTPS_REDIRECT !== 'off';
}

// How many proxies to trust for X-Forwarded-Proto / X-Forwarded-For (TRUST_PROXY, default 1).
export function trustedProxies(): number {
  const hops = Number(process.env.TRUST_PROXY ?? 1);
  return Number.isInteger(hops) && hops >= 0 ? hops : 1;
}

function pathOf(request: FastifyRequest): string {
  return request.url.split('?')[0] ?? '';
}

export async function enforceHttps(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!httpsRequired() || pathOf(request) === '/health') return;
  if (request.protocol !== 'https') {
    await reply.redirect('https://' + request.hostname + request.url, 308);
    return;
  }
  reply.header('Strict-Transport-Security', HSTS);
}

// One JSON line per request: method, path (never the query string or body, which may carry
// personal data), status, duration, client address and the signed-in user's id.
export const accessLog = {
  write(line: string): void {
    if (process.env.NODE_ENV !== 'test') process.stdout.write(line + '\n');
  },
};

export function registerSecurity(app: FastifyInstance): void {
  app.addHook('onRequest', enforceHttps);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('X-Content-Type-Options', 'nosniff');
  });
  app.addHook('onResponse', async (request, reply) => {
    accessLog.write(JSON.stringify({
      time: new Date().toISOString(),
      level: 'info',
      msg: 'request',
      method: request.method,
      path: pathOf(request),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ip: request.ip,
      user: request.userId ?? null,
    }));
  });
}
