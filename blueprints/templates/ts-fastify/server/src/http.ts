// Shared HTTP helpers: error responses, database error mapping, and the per-request user id.
import type { FastifyError, FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    userId?: string;
  }
}

export class HttpError extends Error {
  constructor(
    public readonly status: number,
    public readonly code: string,
    message: string,
    public readonly issues?: unknown,
  ) {
    super(message);
  }
}

interface DbError {
  code?: string;
  detail?: string;
}

function databaseCause(error: unknown): DbError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth += 1) {
    const candidate = current as DbError & { cause?: unknown };
    if (typeof candidate.code === 'string' && /^[0-9A-Z]{5}$/.test(candidate.code)) return candidate;
    current = candidate.cause;
  }
  return undefined;
}

export function mapDatabaseError(error: unknown): HttpError | undefined {
  const cause = databaseCause(error);
  switch (cause?.code) {
    case '23505':
      return new HttpError(409, 'conflict', 'A record with this value already exists.');
    case '23503':
      return new HttpError(409, 'reference', 'The record refers to, or is referred to by, another record.');
    case '23502':
    case '22001':
    case '22003':
    case '22007':
    case '22008':
    case '22P02':
    case '22021': // a NUL or invalid byte in text
    case '22P05':
      return new HttpError(422, 'invalid', 'The value does not fit the column.');
    default:
      return undefined;
  }
}

export function registerErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, _request, reply) => {
    const known = error instanceof HttpError ? error : mapDatabaseError(error);
    if (known) {
      void reply.status(known.status).send({ error: known.code, message: known.message, issues: known.issues });
      return;
    }
    const status = error.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // The body parser: malformed JSON (400), a body over the limit (413), another media type (415).
      void reply.status(status).send({ error: 'bad_request', message: 'The request body could not be read.' });
      return;
    }
    console.error(error);
    void reply.status(500).send({ error: 'internal', message: 'Internal server error.' });
  });
}
