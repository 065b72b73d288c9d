import { describe, expect, it } from 'vitest';
import { directionOf, initialLocale, initialTheme, messageKeys, pick, translate } from './i18n';

describe('interface languages', () => {
  it('has every message in English and Arabic', () => {
    expect(messageKeys('ar')).toEqual(messageKeys('en'));
  });

  it('lays Arabic out right to left', () => {
    expect(directionOf('ar')).toBe('rtl');
    expect(directionOf('en')).toBe('ltr');
  });

  it('fills placeholders in both languages', () => {
    expect(translate('en', 'page', { page: 2, pages: 5 })).toBe('Page 2 of 5');
    expect(translate('ar', 'page', { page: 2, pages: 5 })).toBe('الصفحة 2 من 5');
    expect(translate('ar', 'tooLong', { max: 80 })).toBe('الحد الأقصى 80 حرفًا.');
    expect(translate('en', 'tooLong')).toBe('At most {max} characters.');
  });

  it('falls back to English labels and to the default language', () => {
    expect(pick('ar', { en: 'Order', ar: '' })).toBe('Order');
    expect(pick('ar', { en: 'Order', ar: 'طلب' })).toBe('طلب');
    expect(initialLocale(null, 'ar')).toBe('ar');
    expect(initialLocale('en', 'ar')).toBe('en');
    expect(initialLocale('fr', 'en')).toBe('en');
  });
});

describe('colour theme', () => {
  it('keeps a stored choice and otherwise follows the system', () => {
    expect(initialTheme('dark', false)).toBe('dark');
    expect(initialTheme('light', true)).toBe('light');
    expect(initialTheme(null, true)).toBe('dark');
    expect(initialTheme('purple', false)).toBe('light');
  });
});
