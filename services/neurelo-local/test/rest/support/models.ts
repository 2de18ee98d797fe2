import { loadSchema, type NeureloSchema } from '../../../src/schema/schema';
import { modelOf, modelsOf, type Model } from '../../../src/rest/model';

/** The project's own objects, from neurelo/schema.json. */
export const projectModels = modelsOf(loadSchema());

export function projectModel(name: string): Model {
  const model = projectModels.get(name);
  if (!model) throw new Error(`schema.json has no object ${name}`);
  return model;
}

/**
 * An object using the kinds of property the project's schema does not (boolean, number,
 * decimal, SmallInt, a column renamed with sourceName), to cover the translators fully.
 */
export const gadgetDefinition: NeureloSchema['objects'][string] = {
  sourceName: 'gadget_table',
  properties: {
    id: { type: 'integer', identifier: true, default: { function: 'autoincrement' } },
    label: { type: 'string', sourceName: 'label_text', sourceType: ['VarChar', 8] },
    active: { type: 'boolean', default: { value: true } },
    weight: { type: 'number', nullable: true },
    price: { type: 'string', format: 'decimal', sourceType: ['Decimal', 6] },
    rank: { type: 'integer', sourceType: 'SmallInt', nullable: true },
    links: { type: 'array' },
  },
};
export const gadget = modelOf('gadget', gadgetDefinition);
