import { badRequest } from '../http/api-error';
import { quoted } from './field-values';
import { isPlainObject } from './filter';
import type { Field, Model } from './model';

/**
 * The fields a row comes back with: `select` is `{"$scalars": true}` (every field) or
 * `{"field": true, ...}`; no `select` means every field. Answers fields in schema order.
 */
export function translateSelect(model: Model, select: unknown): Field[] {
  if (select === undefined) return [...model.fields];
  if (!isPlainObject(select))
    throw badRequest('select must be a JSON object such as {"$scalars": true} or {"field": true}');
  let everyField = false;
  const picked = new Set<string>();
  for (const [key, value] of Object.entries(select)) {
    if (typeof value !== 'boolean') {
      throw badRequest(`select.${key} must be true or false`, { field: key });
    }
    if (key === '$scalars') {
      everyField = value;
      continue;
    }
    if (!model.fieldsByName.has(key)) {
      throw badRequest(
        `select names ${quoted(key)}, which is not a field of ${model.name} (fields: ${model.fields.map((f) => f.name).join(', ')})`,
        { field: key },
      );
    }
    if (value) picked.add(key);
  }
  const fields = model.fields.filter((f) => everyField || picked.has(f.name));
  if (fields.length === 0)
    throw badRequest('select picks no field; set some field to true or use {"$scalars": true}');
  return fields;
}
