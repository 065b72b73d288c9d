// TRACE cannot become a Fetch API Request: the server answers it 405 before Next.js would fail on it.
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { refuseUnfetchableMethods } from '../../server/src/methods.js';

function call(port: number, method: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, method, path: '/health' }, (reply) => {
      let body = '';
      reply.setEncoding('utf8');
      reply.on('data', (chunk: string) => { body += chunk; });
      reply.on('end', () => resolve({ status: reply.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('methods the Fetch API cannot carry', () => {
  it('are answered 405 while every other method reaches the app', async () => {
    refuseUnfetchableMethods();
    refuseUnfetchableMethods(); // idempotent: guarded once
    const server = createServer((_req, res) => { res.end('app'); });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const traced = await call(port, 'TRACE');
      expect(traced.status).toBe(405);
      expect(JSON.parse(traced.body).error).toBe('method_not_allowed');
      expect(await call(port, 'GET')).toEqual({ status: 200, body: 'app' });
    } finally {
      server.close();
    }
  });
});
