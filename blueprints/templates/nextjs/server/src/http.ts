// Shared HTTP helpers on the Web Fetch API (Request/Response), which Next.js route handlers speak:
// error responses, database error mapping and JSON bodies. No framework code here.

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

export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

export function empty(status: number): Response {
  return new Response(null, { status });
}

export function errorResponse(error: unknown): Response {
  const known = error instanceof HttpError ? error : mapDatabaseError(error);
  if (known) return json({ error: known.code, message: known.message, issues: known.issues }, known.status);
  console.error(error);
  return json({ error: 'internal', message: 'Internal server error.' }, 500);
}

export const BODY_LIMIT = 1024 * 1024;

// The JSON body of a request: malformed JSON is a 400, a body over the limit a 413, as in the
// Express and Fastify backends. An empty body reads as undefined (validation then refuses it).
export async function readJson(request: Request): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > BODY_LIMIT) throw new HttpError(413, 'bad_request', 'The request body could not be read.');
  let text: string;
  try {
    text = await request.text();
  } catch {
    throw new HttpError(400, 'bad_request', 'The request body could not be read.');
  }
  if (Buffer.byteLength(text) > BODY_LIMIT) throw new HttpError(413, 'bad_request', 'The request body could not be read.');
  if (!text.trim()) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'bad_request', 'The request body could not be read.');
  }
}
