import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useUi } from '../App';
import { api, type Row } from '../api';
import { pick } from '../i18n';
import type { EntityMeta } from '../meta';
import { display } from './format';

export function EntityDetail({ entity }: { entity: EntityMeta }) {
  const { locale, t } = useUi();
  const { id } = useParams();
  const navigate = useNavigate();
  const [row, setRow] = useState<Row | null>(null);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    api<Row>('GET', `/api/${entity.route}/${id ?? ''}`).then(setRow).catch(() => setFailed(true));
  }, [entity.route, id]);

  async function remove() {
    if (!window.confirm(t('confirmDelete'))) return;
    await api('DELETE', `/api/${entity.route}/${id ?? ''}`);
    navigate(`/${entity.route}`);
  }

  if (failed) return <p role="alert">{t('notFound')}</p>;
  if (!row) return <p>{t('loading')}</p>;
  return (
    <section>
      <h1>{pick(locale, entity.label)} #{row.id}</h1>
      <dl>
        {entity.fields.map((f) => (
          <div key={f.prop}>
            <dt>{pick(locale, f.label)}</dt>
            <dd>{display(locale, f, row[f.prop])}</dd>
          </div>
        ))}
        {entity.refs.map((r) => (
          <div key={r.prop}>
            <dt>{pick(locale, r.label)}</dt>
            <dd>{row[r.prop] ? <Link to={`/${r.route}/${String(row[r.prop])}`}>#{String(row[r.prop])}</Link> : t('none')}</dd>
          </div>
        ))}
      </dl>
      <div className="row">
        <Link className="button" to={`/${entity.route}/${row.id}/edit`}>{t('edit')}</Link>
        <button type="button" onClick={remove}>{t('delete')}</button>
        <Link to={`/${entity.route}`}>{t('list')}</Link>
      </div>
    </section>
  );
}
