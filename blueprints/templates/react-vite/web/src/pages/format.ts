import type { Locale } from '../i18n';
import { translate } from '../i18n';
import type { FieldMeta } from '../meta';

export function display(locale: Locale, field: FieldMeta | undefined, value: unknown): string {
  if (value === null || value === undefined || value === '') return translate(locale, 'none');
  if (field?.type === 'boolean') return translate(locale, value ? 'yes' : 'no');
  if (field?.type === 'datetime') return new Date(String(value)).toLocaleString(locale === 'ar' ? 'ar' : 'en');
  if (field?.type === 'decimal' || field?.type === 'integer') return Number(value).toLocaleString(locale === 'ar' ? 'ar' : 'en');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
