// Form validation in the browser, with the same rules the API's zod validators apply (required,
// types, maximum lengths, options), so a person sees the problem before the request is sent. The
// server still validates everything: these checks are a convenience, not a barrier.
import type { EntityMeta, FieldMeta, RefMeta } from '../meta';
import type { MessageKey } from './i18n';

export type Value = string | boolean;
export type Values = Record<string, Value>;

export interface Problem {
  key: MessageKey;
  params?: Record<string, number>;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
const DECIMAL_LIMIT = 1e12;
// The email pattern zod 3 uses, so both sides agree on what an address is.
const EMAIL = /^(?!\.)(?!.*\.\.)([A-Z0-9_'+\-.]*)[A-Z0-9_+-]@([A-Z0-9][A-Z0-9-]*\.)+[A-Z]{2,}$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function isDate(value: string): boolean {
  const parsed = new Date(`${value}T00:00:00Z`);
  return DAY.test(value) && !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(value);
}

function isUrl(value: string): boolean {
  try {
    return Boolean(new URL(value));
  } catch {
    return false;
  }
}

function isJson(value: string): boolean {
  try {
    JSON.parse(value);
    return true;
  } catch {
    return false;
  }
}

function checkNumber(field: FieldMeta, text: string): Problem | null {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    return { key: field.type === 'integer' ? 'notInteger' : 'notNumber' };
  }
  if (field.type === 'integer') {
    if (!Number.isInteger(value)) return { key: 'notInteger' };
    return value < INT_MIN || value > INT_MAX ? { key: 'outOfRange' } : null;
  }
  return Math.abs(value) > DECIMAL_LIMIT ? { key: 'outOfRange' } : null;
}

function checkFormat(field: FieldMeta, text: string): Problem | null {
  switch (field.type) {
    case 'integer':
    case 'decimal':
      return checkNumber(field, text);
    case 'email':
      return EMAIL.test(text) ? null : { key: 'badEmail' };
    case 'url':
      return isUrl(text) ? null : { key: 'badUrl' };
    case 'date':
      return isDate(text) ? null : { key: 'badDate' };
    case 'datetime':
      return Number.isNaN(new Date(text).getTime()) ? { key: 'badDateTime' } : null;
    case 'uuid':
      return UUID.test(text) ? null : { key: 'badUuid' };
    case 'enum':
      return field.options.includes(text) ? null : { key: 'badOption' };
    case 'json':
      return isJson(text) ? null : { key: 'badJson' };
    default:
      return null;
  }
}

// Text-like values are trimmed first where the API trims them (everything but free text).
function normalized(field: FieldMeta, raw: string): string {
  return field.type === 'text' || field.type === 'json' ? raw : raw.trim();
}

/** The first problem with one field's input value, or null when the API would accept it. */
export function checkField(field: FieldMeta, raw: Value | undefined): Problem | null {
  if (field.type === 'boolean') return null;
  const text = normalized(field, typeof raw === 'string' ? raw : '');
  if (text === '') return field.required ? { key: 'required' } : null;
  if (field.maxLength !== null && ['string', 'text', 'email', 'url'].includes(field.type)
      && text.length > field.maxLength) {
    return { key: 'tooLong', params: { max: field.maxLength } };
  }
  return checkFormat(field, text);
}

export function checkRef(ref: RefMeta, raw: Value | undefined): Problem | null {
  return ref.required && !raw ? { key: 'required' } : null;
}

/** Every field's problem, by property name; empty when the form can be sent. */
export function checkRecord(entity: EntityMeta, values: Values): Record<string, Problem> {
  const problems: Record<string, Problem> = {};
  for (const field of entity.fields) {
    const problem = checkField(field, values[field.prop]);
    if (problem) problems[field.prop] = problem;
  }
  for (const ref of entity.refs) {
    const problem = checkRef(ref, values[ref.prop]);
    if (problem) problems[ref.prop] = problem;
  }
  return problems;
}

/** A stored value as the form's input value. */
export function toInput(field: FieldMeta, value: unknown): Value {
  if (field.type === 'boolean') return Boolean(value);
  if (value === null || value === undefined) return '';
  if (field.type === 'datetime') return String(value).slice(0, 16);
  if (field.type === 'json') return JSON.stringify(value);
  return String(value);
}

/** An input value as the API expects it (undefined: leave the key out). */
export function fromInput(field: FieldMeta, value: Value): unknown {
  if (field.type === 'boolean') return Boolean(value);
  if (value === '') return field.required ? undefined : null;
  const text = String(value);
  if (field.type === 'integer' || field.type === 'decimal') return Number(text);
  if (field.type === 'datetime') return new Date(text).toISOString();
  if (field.type === 'json') return JSON.parse(text) as unknown;
  if (field.type === 'text') return text;
  return text.trim();
}

/** The request body of a form: every field converted, references as numbers. */
export function toBody(entity: EntityMeta, values: Values): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const field of entity.fields) {
    const value = fromInput(field, values[field.prop] ?? (field.type === 'boolean' ? false : ''));
    if (value !== undefined) body[field.prop] = value;
  }
  for (const ref of entity.refs) {
    const value = values[ref.prop];
    if (value) body[ref.prop] = Number(value);
    else if (!ref.required) body[ref.prop] = null;
  }
  return body;
}
