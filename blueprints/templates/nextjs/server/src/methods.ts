// Route handlers receive a Fetch API Request, which cannot carry TRACE: Next.js would answer such a
// request with a 500 while building it. Node's HTTP server hands every request to its 'request'
// listeners through `emit`; these methods are answered 405 there, before Next.js sees them, as the
// Express and Fastify backends refuse methods they do not serve.
import http, { type IncomingMessage, type ServerResponse } from 'node:http';

export const UNFETCHABLE_METHODS: ReadonlySet<string> = new Set(['TRACE', 'TRACK']);

interface Emitter {
  emit(event: string | symbol, ...args: any[]): boolean;
}

const guarded = new WeakSet<Emitter>();

export function refuseUnfetchableMethods(target: Emitter = http.Server.prototype): void {
  if (guarded.has(target)) return;
  guarded.add(target);
  const emit = target.emit;
  target.emit = function emitGuarded(this: Emitter, event: string | symbol, ...args: any[]): boolean {
    const [request, response] = args as [IncomingMessage | undefined, ServerResponse | undefined];
    if (event === 'request' && request && response && UNFETCHABLE_METHODS.has(request.method ?? '')) {
      response.writeHead(405, { 'content-type': 'application/json; charset=utf-8' });
      response.end(JSON.stringify({ error: 'method_not_allowed', message: 'This method is not allowed here.' }));
      return true;
    }
    return emit.call(this, event, ...args);
  };
}
