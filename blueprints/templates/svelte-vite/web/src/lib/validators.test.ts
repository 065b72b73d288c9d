import { describe, expect, it } from 'vitest';
import { ENTITIES, type EntityMeta, type FieldMeta } from '../meta';
import { checkField, checkRecord, fromInput, toBody, toInput } from './validators';

function field(type: string, extra: Partial<FieldMeta> = {}): FieldMeta {
  return {
    prop: 'value', label: { en: 'Value', ar: 'القيمة' }, type, input: 'text', required: true,
    maxLength: null, options: [], sensitive: false, ...extra,
  };
}

describe('field rules (the same as the API)', () => {
  it('requires required fields and trims short text first', () => {
    expect(checkField(field('string'), '')?.key).toBe('required');
    expect(checkField(field('string'), '   ')?.key).toBe('required');
    expect(checkField(field('string', { required: false }), '')).toBeNull();
    expect(checkField(field('string'), undefined)?.key).toBe('required');
  });

  it('counts characters, Arabic included, against the maximum length', () => {
    const limited = field('string', { maxLength: 5 });
    expect(checkField(limited, 'عربية')).toBeNull();
    expect(checkField(limited, 'عربيةً')).toEqual({ key: 'tooLong', params: { max: 5 } });
    expect(checkField(limited, '  abcde  ')).toBeNull();
  });

  it('checks numbers', () => {
    expect(checkField(field('integer'), '42')).toBeNull();
    expect(checkField(field('integer'), '4.2')?.key).toBe('notInteger');
    expect(checkField(field('integer'), 'abc')?.key).toBe('notInteger');
    expect(checkField(field('integer'), '3000000000')?.key).toBe('outOfRange');
    expect(checkField(field('decimal'), '12.5')).toBeNull();
    expect(checkField(field('decimal'), 'x')?.key).toBe('notNumber');
    expect(checkField(field('decimal'), '1e13')?.key).toBe('outOfRange');
  });

  it('checks formats', () => {
    expect(checkField(field('email'), 'user@example.com')).toBeNull();
    expect(checkField(field('email'), 'بريد')?.key).toBe('badEmail');
    expect(checkField(field('url'), 'https://example.com/a')).toBeNull();
    expect(checkField(field('url'), 'example')?.key).toBe('badUrl');
    expect(checkField(field('date'), '2024-02-29')).toBeNull();
    expect(checkField(field('date'), '2023-02-29')?.key).toBe('badDate');
    expect(checkField(field('datetime'), '2024-03-01T09:30')).toBeNull();
    expect(checkField(field('datetime'), 'yesterday')?.key).toBe('badDateTime');
    expect(checkField(field('uuid'), '123e4567-e89b-12d3-a456-426614174000')).toBeNull();
    expect(checkField(field('uuid'), 'not-a-uuid')?.key).toBe('badUuid');
    expect(checkField(field('enum', { options: ['a', 'b'] }), 'b')).toBeNull();
    expect(checkField(field('enum', { options: ['a', 'b'] }), 'c')?.key).toBe('badOption');
    expect(checkField(field('json'), '{"a": 1}')).toBeNull();
    expect(checkField(field('json'), '{a')?.key).toBe('badJson');
    expect(checkField(field('boolean'), false)).toBeNull();
  });
});

describe('form values and request bodies', () => {
  const entity: EntityMeta = {
    route: 'things', label: { en: 'Thing', ar: 'شيء' }, listFields: ['name'], titleField: 'name',
    fields: [field('string', { prop: 'name', maxLength: 10 }), field('integer', { prop: 'count', required: false }),
      field('boolean', { prop: 'done' })],
    refs: [{ prop: 'ownerId', label: { en: 'Owner', ar: 'المالك' }, route: 'owners', required: true },
      { prop: 'groupId', label: { en: 'Group', ar: 'المجموعة' }, route: 'groups', required: false }],
  };

  it('reports every problem of a record by property', () => {
    expect(Object.keys(checkRecord(entity, {})).sort()).toEqual(['name', 'ownerId']);
    expect(checkRecord(entity, { name: 'ok', ownerId: '3' })).toEqual({});
  });

  it('converts inputs to the API types and back', () => {
    expect(toBody(entity, { name: ' Lamp ', count: '', ownerId: '3' }))
      .toEqual({ name: 'Lamp', count: null, done: false, ownerId: 3, groupId: null });
    expect(fromInput(field('datetime'), '2024-03-01T09:30')).toBe(new Date('2024-03-01T09:30').toISOString());
    expect(toInput(field('datetime'), '2024-03-01T09:30:00.000Z')).toBe('2024-03-01T09:30');
    expect(toInput(field('json'), { a: 1 })).toBe('{"a":1}');
    expect(toInput(field('string'), null)).toBe('');
  });
});

describe('the generated entities', () => {
  it.each(ENTITIES.map((e) => [e.route, e] as const))('%s: empty required fields and over-long Arabic text are refused', (_route, entity) => {
    const problems = checkRecord(entity, {});
    for (const f of entity.fields) {
      expect(problems[f.prop]?.key === 'required').toBe(f.required && f.type !== 'boolean');
      if (f.maxLength !== null && (f.type === 'string' || f.type === 'text')) {
        expect(checkField(f, 'ع'.repeat(f.maxLength))).toBeNull();
        expect(checkField(f, 'ع'.repeat(f.maxLength + 1))?.key).toBe('tooLong');
      }
    }
    for (const r of entity.refs) expect(problems[r.prop]?.key === 'required').toBe(r.required);
  });
});
