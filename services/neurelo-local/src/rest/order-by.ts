import { badRequest } from '../http/api-error';
import { quoted } from './field-values';
import { isPlainObject } from './filter';
import type { Model } from './model';
import { quoteIdent } from './sql-params';

/**
 * The ORDER BY terms for `order_by`: `[{"field": "asc" | "desc"}, ...]`, or one such object.
 * The identifier is always appended as the last tie-breaker, so rows with equal sort keys
 * come in the same order on every call and paging with skip/take neither repeats nor skips.
 */
export function translateOrderBy(model: Model, orderBy: unknown): string[] {
  const items = orderBy === undefined ? [] : Array.isArray(orderBy) ? orderBy : [orderBy];
  const terms: string[] = [];
  const used = new Set<string>();
  for (const item of items) {
    if (!isPlainObject(item))
      throw badRequest('order_by must be an array of objects such as [{"field": "asc"}]');
    for (const [name, direction] of Object.entries(item)) {
      const field = model.fieldsByName.get(name);
      if (!field) {
        throw badRequest(
          `order_by names ${quoted(name)}, which is not a field of ${model.name} (fields: ${model.fields.map((f) => f.name).join(', ')})`,
          { field: name },
        );
      }
      if (direction !== 'asc' && direction !== 'desc') {
        throw badRequest(`order_by.${name} must be "asc" or "desc"`, { field: name });
      }
      if (used.has(name)) continue;
      used.add(name);
      terms.push(`${quoteIdent(field.column)} ${direction === 'asc' ? 'ASC' : 'DESC'}`);
    }
  }
  for (const field of model.identifier) {
    if (!used.has(field.name)) terms.push(`${quoteIdent(field.column)} ASC`);
  }
  return terms;
}
