import { createContext, useContext, useEffect, useMemo, useState } from 'react';
import { Link, Route, Routes } from 'react-router-dom';
import { getToken, setToken } from './api';
import { directionOf, initialLocale, translate, type Locale, type MessageKey } from './i18n';
import { ENTITIES, PAGES, PROJECT } from './meta';
import { Dashboard } from './pages/Dashboard';
import { EntityDetail } from './pages/EntityDetail';
import { EntityForm } from './pages/EntityForm';
import { EntityList } from './pages/EntityList';
import { Home } from './pages/Home';
import { Login } from './pages/Login';

interface Ui {
  locale: Locale;
  t: (key: MessageKey, params?: Record<string, string | number>) => string;
  signedIn: boolean;
  setSignedIn: (value: boolean) => void;
}

const UiContext = createContext<Ui | null>(null);

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (!ui) throw new Error('useUi outside App');
  return ui;
}

function pageElement(kind: string, entity: string | null, name: string) {
  const meta = ENTITIES.find((e) => e.route === entity);
  if (meta && kind === 'list') return <EntityList entity={meta} />;
  if (meta && kind === 'detail') return <EntityDetail entity={meta} />;
  if (meta && kind === 'form') return <EntityForm entity={meta} />;
  if (kind === 'dashboard') return <Dashboard title={name} />;
  return <Home title={name} />;
}

export function App() {
  const [locale, setLocale] = useState<Locale>(() =>
    initialLocale(localStorage.getItem('locale'), PROJECT.defaultLocale));
  const [signedIn, setSignedIn] = useState(() => !PROJECT.auth || Boolean(getToken()));

  useEffect(() => {
    document.documentElement.lang = locale;
    document.documentElement.dir = directionOf(locale);
    localStorage.setItem('locale', locale);
  }, [locale]);

  const ui = useMemo<Ui>(() => ({
    locale,
    t: (key, params) => translate(locale, key, params),
    signedIn,
    setSignedIn,
  }), [locale, signedIn]);

  const defaults = new Set(ENTITIES.flatMap((e) => [`/${e.route}`, `/${e.route}/new`, `/${e.route}/:id`, `/${e.route}/:id/edit`]));
  const extraPages = PAGES.filter((p) => !defaults.has(p.path));
  const otherLocale: Locale = locale === 'ar' ? 'en' : 'ar';

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
          {PROJECT.auth && signedIn && (
            <button type="button" onClick={() => { setToken(''); setSignedIn(false); }}>{ui.t('signOut')}</button>
          )}
        </div>
      </header>
      <main>
        {PROJECT.auth && !signedIn ? <Login /> : (
          <Routes>
            {ENTITIES.map((e) => [
              <Route key={`${e.route}-list`} path={`/${e.route}`} element={<EntityList entity={e} />} />,
              <Route key={`${e.route}-new`} path={`/${e.route}/new`} element={<EntityForm entity={e} />} />,
              <Route key={`${e.route}-detail`} path={`/${e.route}/:id`} element={<EntityDetail entity={e} />} />,
              <Route key={`${e.route}-edit`} path={`/${e.route}/:id/edit`} element={<EntityForm entity={e} />} />,
            ])}
            {extraPages.map((p) => (
              <Route key={p.path} path={p.path} element={pageElement(p.kind, p.entity, p.name)} />
            ))}
            <Route path="*" element={<p>{ui.t('notFound')}</p>} />
          </Routes>
        )}
      </main>
    </UiContext.Provider>
  );
}
