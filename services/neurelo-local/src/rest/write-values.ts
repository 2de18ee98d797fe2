import { badRequest } from '../http/api-error';
import { quoted, writableValue } from './field-values';
import { isPlainObject } from './filter';
import { isRequiredOnCreate, type Field, type Model } from './model';

/** One field of a row being written, with the parameter to bind for it. */
export interface FieldValue {
  field: Field;
  value: unknown;
}

/** The checked field values of a body object, in schema order. */
function fieldValuesOf(model: Model, body: unknown, where: string): FieldValue[] {
  if (!isPlainObject(body)) {
    throw badRequest(
      `${where} must be a JSON object of ${model.name} fields (send Content-Type: application/json)`,
    );
  }
  for (const key of Object.keys(body)) {
    if (!model.fieldsByName.has(key)) {
      throw badRequest(
        `${where} names ${quoted(key)}, which is not a field of ${model.name} (fields: ${model.fields.map((f) => f.name).join(', ')})`,
        { field: key },
      );
    }
  }
  return model.fields
    .filter((f) => Object.hasOwn(body, f.name) && body[f.name] !== undefined)
    .map((field) => ({ field, value: writableValue(field, body[field.name], where) }));
}

/** The values of a row to create; a field with no default that may not be null must be there. */
export function valuesToCreate(model: Model, body: unknown, where = 'the body'): FieldValue[] {
  const values = fieldValuesOf(model, body, where);
  const given = new Set(values.map((v) => v.field.name));
  const missing = model.fields
    .filter((f) => isRequiredOnCreate(f) && !given.has(f.name))
    .map((f) => f.name);
  if (missing.length > 0) {
    throw badRequest(
      `${where} lacks required field${missing.length > 1 ? 's' : ''} ${missing.map((m) => quoted(m)).join(', ')}`,
      {
        missing,
      },
    );
  }
  return values;
}

/** The new values of an update: at least one field. */
export function valuesToUpdate(model: Model, body: unknown): FieldValue[] {
  const values = fieldValuesOf(model, body, 'the body');
  if (values.length === 0) throw badRequest(`the body names no ${model.name} field to update`);
  return values;
}
