import type { FieldMeta } from '../meta';
import { translate, type Locale } from './i18n';

export function display(locale: Locale, field: FieldMeta | undefined, value: unknown): string {
  if (value === null || value === undefined || value === '') return translate(locale, 'none');
  if (field?.type === 'boolean') return translate(locale, value ? 'yes' : 'no');
  if (field?.type === 'datetime') return new Date(String(value)).toLocaleString(locale);
  if (field?.type === 'decimal' || field?.type === 'integer') return Number(value).toLocaleString(locale);
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
