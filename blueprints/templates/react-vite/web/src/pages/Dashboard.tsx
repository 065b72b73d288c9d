import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { useUi } from '../App';
import { api, type Page, type Row } from '../api';
import { pick } from '../i18n';
import { ENTITIES } from '../meta';

export function Dashboard({ title }: { title: string }) {
  const { locale, t } = useUi();
  const [counts, setCounts] = useState<Record<string, number>>({});
  useEffect(() => {
    for (const e of ENTITIES) {
      api<Page<Row>>('GET', `/api/${e.route}?pageSize=1`)
        .then((page) => setCounts((old) => ({ ...old, [e.route]: page.total })))
        .catch(() => undefined);
    }
  }, []);
  return (
    <section>
      <h1>{title || t('overview')}</h1>
      <ul className="cards">
        {ENTITIES.map((e) => (
          <li key={e.route}>
            <Link to={`/${e.route}`}>{pick(locale, e.label)}</Link>
            <strong>{counts[e.route] ?? '…'}</strong>
          </li>
        ))}
      </ul>
    </section>
  );
}
