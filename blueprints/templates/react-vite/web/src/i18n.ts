// English and Arabic interface text, and the writing direction of each language.
import type { Text } from './meta';

export type Locale = 'en' | 'ar';

const MESSAGES = {
  en: {
    home: 'Home', language: 'العربية', list: 'All records', create: 'New', edit: 'Edit',
    save: 'Save', cancel: 'Cancel', delete: 'Delete', confirmDelete: 'Delete this record?',
    previous: 'Previous', next: 'Next', page: 'Page {page} of {pages}', loading: 'Loading…',
    empty: 'Nothing here yet.', notFound: 'Not found.', signIn: 'Sign in', signUp: 'Create account',
    signOut: 'Sign out', email: 'Email', password: 'Password', error: 'Something went wrong.',
    needSignIn: 'Sign in to see and manage the records.', total: '{count} records',
    details: 'Details', none: '—', yes: 'Yes', no: 'No', overview: 'Overview',
  },
  ar: {
    home: 'الرئيسية', language: 'English', list: 'كل السجلات', create: 'جديد', edit: 'تعديل',
    save: 'حفظ', cancel: 'إلغاء', delete: 'حذف', confirmDelete: 'هل تريد حذف هذا السجل؟',
    previous: 'السابق', next: 'التالي', page: 'الصفحة {page} من {pages}', loading: 'جارٍ التحميل…',
    empty: 'لا شيء هنا بعد.', notFound: 'غير موجود.', signIn: 'تسجيل الدخول', signUp: 'إنشاء حساب',
    signOut: 'تسجيل الخروج', email: 'البريد الإلكتروني', password: 'كلمة المرور', error: 'حدث خطأ ما.',
    needSignIn: 'سجّل الدخول لعرض السجلات وإدارتها.', total: 'عدد السجلات: {count}',
    details: 'التفاصيل', none: '—', yes: 'نعم', no: 'لا', overview: 'نظرة عامة',
  },
} as const;

export type MessageKey = keyof (typeof MESSAGES)['en'];

export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template: string = MESSAGES[locale][key];
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
}

export function directionOf(locale: Locale): 'rtl' | 'ltr' {
  return locale === 'ar' ? 'rtl' : 'ltr';
}

export function pick(locale: Locale, text: Text): string {
  return text[locale] || text.en;
}

export function messageKeys(locale: Locale): string[] {
  return Object.keys(MESSAGES[locale]).sort();
}

export function initialLocale(stored: string | null, fallback: string): Locale {
  const value = stored ?? fallback;
  return value === 'ar' ? 'ar' : 'en';
}
