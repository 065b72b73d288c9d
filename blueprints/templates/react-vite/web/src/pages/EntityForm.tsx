import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { useUi } from '../App';
import { api, ApiError, type Page, type Row } from '../api';
import { pick } from '../i18n';
import type { EntityMeta, FieldMeta } from '../meta';

type Values = Record<string, string | boolean>;

function toInput(field: FieldMeta, value: unknown): string | boolean {
  if (field.type === 'boolean') return Boolean(value);
  if (value === null || value === undefined) return '';
  if (field.type === 'datetime') return String(value).slice(0, 16);
  if (field.type === 'json') return JSON.stringify(value);
  return String(value);
}

function fromInput(field: FieldMeta, value: string | boolean): unknown {
  if (field.type === 'boolean') return Boolean(value);
  if (value === '') return field.required ? undefined : null;
  const text = String(value);
  if (field.type === 'integer' || field.type === 'decimal') return Number(text);
  if (field.type === 'datetime') return new Date(text).toISOString();
  if (field.type === 'json') return JSON.parse(text) as unknown;
  return text;
}

export function EntityForm({ entity }: { entity: EntityMeta }) {
  const { locale, t } = useUi();
  const { id } = useParams();
  const navigate = useNavigate();
  const [values, setValues] = useState<Values>({});
  const [choices, setChoices] = useState<Record<string, Row[]>>({});
  const [errors, setErrors] = useState<string[]>([]);

  useEffect(() => {
    if (!id) return;
    api<Row>('GET', `/api/${entity.route}/${id}`).then((row) => {
      const loaded: Values = {};
      for (const f of entity.fields) loaded[f.prop] = toInput(f, row[f.prop]);
      for (const r of entity.refs) loaded[r.prop] = row[r.prop] ? String(row[r.prop]) : '';
      setValues(loaded);
    }).catch(() => setErrors([t('notFound')]));
  }, [entity, id, t]);

  useEffect(() => {
    for (const r of entity.refs) {
      api<Page<Row>>('GET', `/api/${r.route}?pageSize=100`)
        .then((page) => setChoices((old) => ({ ...old, [r.prop]: page.items })))
        .catch(() => undefined);
    }
  }, [entity]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body: Record<string, unknown> = {};
    for (const f of entity.fields) {
      const value = fromInput(f, values[f.prop] ?? (f.type === 'boolean' ? false : ''));
      if (value !== undefined) body[f.prop] = value;
    }
    for (const r of entity.refs) {
      const value = values[r.prop];
      if (value) body[r.prop] = Number(value);
      else if (!r.required) body[r.prop] = null;
    }
    try {
      const saved = await api<Row>(id ? 'PATCH' : 'POST', id ? `/api/${entity.route}/${id}` : `/api/${entity.route}`, body);
      navigate(`/${entity.route}/${saved.id}`);
    } catch (error) {
      const issues = error instanceof ApiError ? (error.body as { issues?: { path: string; message: string }[] })?.issues : undefined;
      setErrors(issues?.map((i) => `${i.path}: ${i.message}`) ?? [t('error')]);
    }
  }

  const set = (prop: string, value: string | boolean) => setValues((old) => ({ ...old, [prop]: value }));

  return (
    <form className="card" onSubmit={submit}>
      <h1>{pick(locale, entity.label)} — {id ? t('edit') : t('create')}</h1>
      {entity.fields.map((f) => (
        <label key={f.prop}>
          {pick(locale, f.label)}{f.required ? ' *' : ''}
          {f.input === 'checkbox' && (
            <input type="checkbox" checked={Boolean(values[f.prop])} onChange={(e) => set(f.prop, e.target.checked)} />
          )}
          {f.input === 'textarea' && (
            <textarea value={String(values[f.prop] ?? '')} maxLength={f.maxLength ?? undefined} required={f.required} onChange={(e) => set(f.prop, e.target.value)} />
          )}
          {f.input === 'select' && (
            <select value={String(values[f.prop] ?? '')} required={f.required} onChange={(e) => set(f.prop, e.target.value)}>
              <option value="" />
              {f.options.map((o) => <option key={o} value={o}>{o}</option>)}
            </select>
          )}
          {!['checkbox', 'textarea', 'select'].includes(f.input) && (
            <input
              type={f.input}
              step={f.type === 'decimal' ? 'any' : undefined}
              value={String(values[f.prop] ?? '')}
              maxLength={f.maxLength ?? undefined}
              required={f.required}
              onChange={(e) => set(f.prop, e.target.value)}
            />
          )}
        </label>
      ))}
      {entity.refs.map((r) => (
        <label key={r.prop}>
          {pick(locale, r.label)}{r.required ? ' *' : ''}
          <select value={String(values[r.prop] ?? '')} required={r.required} onChange={(e) => set(r.prop, e.target.value)}>
            <option value="" />
            {(choices[r.prop] ?? []).map((row) => <option key={row.id} value={row.id}>#{row.id}</option>)}
          </select>
        </label>
      ))}
      {errors.length > 0 && <ul role="alert">{errors.map((e) => <li key={e}>{e}</li>)}</ul>}
      <div className="row">
        <button type="submit">{t('save')}</button>
        <button type="button" onClick={() => navigate(-1)}>{t('cancel')}</button>
      </div>
    </form>
  );
}
