// A tiny static server for dist/ with /health; the site itself needs no server in production.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const root = path.resolve('dist');
const types = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript', '.json': 'application/json', '.svg': 'image/svg+xml' };

/** @param {string} urlPath */
export function resolvePath(urlPath) {
  const clean = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  const target = path.resolve(root, '.' + clean);
  if (!target.startsWith(root)) return null;
  return path.extname(target) ? target : path.join(target, 'index.html');
}

export const server = createServer(async (req, res) => {
  if (req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const file = resolvePath(req.url ?? '/');
  try {
    if (!file) throw new Error('outside root');
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': types[/** @type {keyof typeof types} */ (path.extname(file))] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
  }
});

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve('server.mjs')) {
  const port = Number(process.env.PORT ?? 3000);
  server.listen(port, process.env.HOST ?? '127.0.0.1', () => console.log(`listening on ${port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
