// The app's shared state (language, theme, session, current path) as one reactive object, and
// the helpers every screen uses to read it.
import { reactive } from 'vue';
import { getToken, setToken } from '../api';
import { PROJECT } from '../meta';
import { directionOf, initialLocale, initialTheme, translate, type Locale, type MessageKey, type Params, type Theme } from './i18n';

export const ui = reactive({
  locale: initialLocale(localStorage.getItem('locale'), PROJECT.defaultLocale) as Locale,
  theme: initialTheme(localStorage.getItem('theme'), matchMedia('(prefers-color-scheme: dark)').matches) as Theme,
  signedIn: !PROJECT.auth || Boolean(getToken()),
  path: location.pathname,
});

export function t(key: MessageKey, params?: Params): string {
  return translate(ui.locale, key, params);
}

export function navigate(to: string): void {
  if (to !== location.pathname) history.pushState(null, '', to);
  ui.path = to;
  window.scrollTo(0, 0);
}

export function back(): void {
  history.back();
}

export function signOut(): void {
  setToken('');
  ui.signedIn = false;
}

// Keep <html lang dir data-theme> and the stored choices in step with the state.
export function applyDocument(locale: Locale, theme: Theme): void {
  const root = document.documentElement;
  root.lang = locale;
  root.dir = directionOf(locale);
  root.dataset.theme = theme;
  localStorage.setItem('locale', locale);
  localStorage.setItem('theme', theme);
}

export function followHistory(): () => void {
  const onPop = () => { ui.path = location.pathname; };
  window.addEventListener('popstate', onPop);
  return () => window.removeEventListener('popstate', onPop);
}
