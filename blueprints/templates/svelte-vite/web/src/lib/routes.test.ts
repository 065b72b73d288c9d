import { describe, expect, it } from 'vitest';
import type { EntityMeta, PageMeta } from '../meta';
import { resolve } from './routes';

const things: EntityMeta = {
  route: 'things', label: { en: 'Thing', ar: 'شيء' }, fields: [], listFields: [], titleField: null, refs: [],
};
const pages: PageMeta[] = [
  { path: '/', kind: 'landing', name: 'Home', entity: null },
  { path: '/about', kind: 'custom', name: 'About', entity: null },
  { path: '/reports/:year', kind: 'dashboard', name: 'Reports', entity: null },
];

describe('routes', () => {
  it('maps the four screens of an entity', () => {
    expect(resolve('/things', [things], pages)).toEqual({ kind: 'list', entity: things });
    expect(resolve('/things/new', [things], pages)).toEqual({ kind: 'new', entity: things });
    expect(resolve('/things/7', [things], pages)).toEqual({ kind: 'detail', entity: things, id: '7' });
    expect(resolve('/things/7/edit?x=1', [things], pages)).toEqual({ kind: 'edit', entity: things, id: '7' });
  });

  it('maps the blueprint pages, with parameters, and nothing else', () => {
    expect(resolve('/', [things], pages)).toMatchObject({ kind: 'page', page: { name: 'Home' } });
    expect(resolve('/about/', [things], pages)).toMatchObject({ kind: 'page', page: { name: 'About' } });
    expect(resolve('/reports/2024', [things], pages)).toMatchObject({ kind: 'page', page: { name: 'Reports' } });
    expect(resolve('/nowhere', [things], pages)).toEqual({ kind: 'notFound' });
    expect(resolve('/things/7/delete', [things], pages)).toEqual({ kind: 'notFound' });
  });
});
