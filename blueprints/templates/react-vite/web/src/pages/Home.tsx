import { Link } from 'react-router-dom';
import { useUi } from '../App';
import { pick } from '../i18n';
import { ENTITIES, PROJECT } from '../meta';

export function Home({ title }: { title: string }) {
  const { locale } = useUi();
  return (
    <section className="hero">
      <h1>{title || PROJECT.name}</h1>
      {PROJECT.description && <p>{PROJECT.description}</p>}
      <ul className="cards">
        {ENTITIES.map((e) => (
          <li key={e.route}><Link to={`/${e.route}`}>{pick(locale, e.label)}</Link></li>
        ))}
      </ul>
    </section>
  );
}
