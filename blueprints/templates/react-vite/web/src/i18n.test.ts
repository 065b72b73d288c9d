import { describe, expect, it } from 'vitest';
import { directionOf, initialLocale, messageKeys, pick, translate } from './i18n';

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
  });

  it('falls back to English labels and to the default language', () => {
    expect(pick('ar', { en: 'Order', ar: '' })).toBe('Order');
    expect(initialLocale(null, 'ar')).toBe('ar');
    expect(initialLocale('en', 'ar')).toBe('en');
  });
});
