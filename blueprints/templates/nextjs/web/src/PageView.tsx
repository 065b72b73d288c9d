'use client';
// What each App Router page shows: an entity's list, detail or form, or one of the blueprint's
// other pages (home, dashboard) by path.
import { useUi } from './App';
import { ENTITIES, PAGES } from './meta';
import { Dashboard } from './pages/Dashboard';
import { EntityDetail } from './pages/EntityDetail';
import { EntityForm } from './pages/EntityForm';
import { EntityList } from './pages/EntityList';
import { Home } from './pages/Home';

export type EntityView = 'list' | 'detail' | 'form';

export function EntityPage({ route, view }: { route: string; view: EntityView }) {
  const { t } = useUi();
  const entity = ENTITIES.find((e) => e.route === route);
  if (!entity) return <p>{t('notFound')}</p>;
  if (view === 'list') return <EntityList entity={entity} />;
  if (view === 'detail') return <EntityDetail entity={entity} />;
  return <EntityForm entity={entity} />;
}

export function PageView({ path }: { path: string }) {
  const { t } = useUi();
  const page = PAGES.find((p) => p.path === path);
  if (!page) return <p>{t('notFound')}</p>;
  if (page.entity && ['list', 'detail', 'form'].includes(page.kind)) {
    return <EntityPage route={page.entity} view={page.kind as EntityView} />;
  }
  if (page.kind === 'dashboard') return <Dashboard title={page.name} />;
  return <Home title={page.name} />;
}
