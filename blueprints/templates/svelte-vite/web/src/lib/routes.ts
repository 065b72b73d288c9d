// Which screen a path shows: the four screens of every entity, then the blueprint's own pages.
import type { EntityMeta, PageMeta } from '../meta';

export type View =
  | { kind: 'list' | 'new'; entity: EntityMeta }
  | { kind: 'detail' | 'edit'; entity: EntityMeta; id: string }
  | { kind: 'page'; page: PageMeta }
  | { kind: 'notFound' };

function pageMatches(pattern: string, parts: string[]): boolean {
  const wanted = pattern.split('/').filter(Boolean);
  return wanted.length === parts.length && wanted.every((p, i) => p.startsWith(':') || p === parts[i]);
}

export function resolve(path: string, entities: EntityMeta[], pages: PageMeta[]): View {
  const parts = path.split('?')[0]?.split('/').filter(Boolean) ?? [];
  const entity = entities.find((e) => e.route === parts[0]);
  if (entity && parts.length === 1) return { kind: 'list', entity };
  if (entity && parts.length === 2 && parts[1] === 'new') return { kind: 'new', entity };
  if (entity && parts.length === 2) return { kind: 'detail', entity, id: parts[1] ?? '' };
  if (entity && parts.length === 3 && parts[2] === 'edit') return { kind: 'edit', entity, id: parts[1] ?? '' };
  const page = pages.find((p) => pageMatches(p.path, parts));
  return page ? { kind: 'page', page } : { kind: 'notFound' };
}
