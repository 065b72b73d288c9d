'use client';
// The frame around every page: header, language and theme switches, sign-in; the pages below it
// share the interface state through `useUi`, as in the React tree.
import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { getToken, setToken } from './api';
import { directionOf, initialLocale, translate, type Locale, type MessageKey } from './i18n';
import { ENTITIES, PROJECT } from './meta';
import { Login } from './pages/Login';
import { Link } from './router';

type Theme = 'light' | 'dark';

interface Ui {
  locale: Locale;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  signedIn: boolean;
  setSignedIn: (value: boolean) => void;
}

const UiContext = createContext<Ui | null>(null);

const THEME_LABELS: Record<Locale, Record<Theme, string>> = {
  en: { dark: 'Dark theme', light: 'Light theme' },
  ar: { dark: 'المظهر الداكن', light: 'المظهر الفاتح' },
};

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (!ui) throw new Error('useUi outside Shell');
  return ui;
}

export function initialTheme(stored: string | null, prefersDark: boolean): Theme {
  if (stored === 'dark' || stored === 'light') return stored;
  return prefersDark ? 'dark' : 'light';
}

export function Shell({ children }: { children: ReactNode }) {
  // The server renders the frame without the browser's stored choices; they are read once the
  // page has hydrated, and the pages (which call the API with the stored token) render after that.
  const [ready, setReady] = useState(false);
  const [locale, setLocale] = useState<Locale>(() => initialLocale(null, PROJECT.defaultLocale));
  const [signedIn, setSignedIn] = useState(!PROJECT.auth);
  const [theme, setTheme] = useState<Theme>('light');

  useEffect(() => {
    setLocale(initialLocale(localStorage.getItem('locale'), PROJECT.defaultLocale));
    setSignedIn(!PROJECT.auth || Boolean(getToken()));
    setTheme(initialTheme(localStorage.getItem('theme'), matchMedia('(prefers-color-scheme: dark)').matches));
    setReady(true);
  }, []);

  useEffect(() => {
    if (!ready) return;
    document.documentElement.lang = locale;
    document.documentElement.dir = directionOf(locale);
    document.documentElement.dataset.theme = theme;
    localStorage.setItem('locale', locale);
    localStorage.setItem('theme', theme);
  }, [locale, theme, ready]);

  const ui = useMemo<Ui>(() => ({
    locale,
    t: (key, params) => translate(locale, key, params),
    signedIn,
    setSignedIn,
  }), [locale, signedIn]);

  const otherLocale: Locale = locale === 'ar' ? 'en' : 'ar';
  const otherTheme: Theme = theme === 'dark' ? 'light' : 'dark';

  return (
    <UiContext.Provider value={ui}>
      <header className="bar">
        <Link to="/" className="brand">{PROJECT.name}</Link>
        <nav>
          {ENTITIES.map((e) => (
            <Link key={e.route} to={`/${e.route}`}>{e.label[locale] || e.label.en}</Link>
          ))}
        </nav>
        <div className="actions">
          {PROJECT.locales.length > 1 && (
            <button type="button" onClick={() => setLocale(otherLocale)} lang={otherLocale}>
              {ui.t('language')}
            </button>
          )}
          <button type="button" onClick={() => setTheme(otherTheme)}>{THEME_LABELS[locale][otherTheme]}</button>
          {PROJECT.auth && signedIn && (
            <button type="button" onClick={() => { setToken(''); setSignedIn(false); }}>{ui.t('signOut')}</button>
          )}
        </div>
      </header>
      <main>
        {!ready ? <p>{ui.t('loading')}</p> : PROJECT.auth && !signedIn ? <Login /> : children}
      </main>
    </UiContext.Provider>
  );
}
