import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useUi } from '../App';
import { api, type Page, type Row } from '../api';
import { pick } from '../i18n';
import type { EntityMeta } from '../meta';
import { display } from './format';

const PAGE_SIZE = 20;

export function EntityList({ entity }: { entity: EntityMeta }) {
  const { locale, t } = useUi();
  const [page, setPage] = useState(1);
  const [data, setData] = useState<Page<Row> | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    setFailed(false);
    api<Page<Row>>('GET', `/api/${entity.route}?page=${page}&pageSize=${PAGE_SIZE}`)
      .then(setData)
      .catch(() => setFailed(true));
  }, [entity.route, page]);

  const columns = entity.listFields.map((prop) => entity.fields.find((f) => f.prop === prop)).filter((f) => f !== undefined);
  const pages = Math.max(1, Math.ceil((data?.total ?? 0) / PAGE_SIZE));

  return (
    <section>
      <div className="row">
        <h1>{pick(locale, entity.label)}</h1>
        <Link className="button" to={`/${entity.route}/new`}>{t('create')}</Link>
      </div>
      {failed && <p role="alert">{t('error')}</p>}
      {!data && !failed && <p>{t('loading')}</p>}
      {data && data.items.length === 0 && <p>{t('empty')}</p>}
      {data && data.items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>#</th>
              {columns.map((f) => <th key={f.prop}>{pick(locale, f.label)}</th>)}
            </tr>
          </thead>
          <tbody>
            {data.items.map((row) => (
              <tr key={row.id}>
                <td><Link to={`/${entity.route}/${row.id}`}>{row.id}</Link></td>
                {columns.map((f) => <td key={f.prop}>{display(locale, f, row[f.prop])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="row">
        <button type="button" disabled={page <= 1} onClick={() => setPage(page - 1)}>{t('previous')}</button>
        <span>{t('page', { page, pages })}</span>
        <button type="button" disabled={page >= pages} onClick={() => setPage(page + 1)}>{t('next')}</button>
      </div>
    </section>
  );
}
