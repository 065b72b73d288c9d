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
