// Transport security and access logging for every request.
//
// In production the app runs behind the hosting provider's TLS proxy: plain-HTTP requests are
// redirected to HTTPS (308) and HTTPS responses carry HSTS. `/health` stays reachable over HTTP
// for the platform's probes. HTTPS_REDIRECT=off turns this off (e.g. a private network).
import type { NextFunction, Request, Response } from 'express';

export const HSTS = 'max-age=31536000; includeSubDomains';

function httpsRequired(): boolean {
  return process.env.NODE_ENV === 'production' && process.env.HTTPS_REDIRECT !== 'off';
}

// How many proxies to trust for X-Forwarded-Proto / X-Forwarded-For (TRUST_PROXY, default 1).
export function trustedProxies(): number {
  const hops = Number(process.env.TRUST_PROXY ?? 1);
  return Number.isInteger(hops) && hops >= 0 ? hops : 1;
}

export function enforceHttps(req: Request, res: Response, next: NextFunction): void {
  if (!httpsRequired() || req.path === '/health') {
    next();
    return;
  }
  if (!req.secure) {
    res.redirect(308, 'https://' + req.hostname + req.originalUrl);
    return;
  }
  res.setHeader('Strict-Transport-Security', HSTS);
  next();
}

// One JSON line per request: method, path (never the query string or body, which may carry
// personal data), status, duration, client address and the signed-in user's id.
export const accessLog = {
  write(line: string): void {
    if (process.env.NODE_ENV !== 'test') process.stdout.write(line + '\n');
  },
};

export function requestLogger(req: Request, res: Response, next: NextFunction): void {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    accessLog.write(JSON.stringify({
      time: new Date().toISOString(),
      level: 'info',
      msg: 'request',
      method: req.method,
      path: req.originalUrl.split('?')[0],
      status: res.statusCode,
      ms: Math.round(ms * 10) / 10,
      ip: req.ip,
      user: (res.locals.userId as string | undefined) ?? null,
    }));
  });
  next();
}
