/**
 * The deployment input's JSON Schema (draft 2020-12), generated from the field table
 * (src/input-fields.ts). write-input-schema.ts writes it to input.schema.json; a test keeps the two equal.
 */
import { type FieldSpec, fieldRules, inputFieldEntries, type JsonSchema } from '../src/input-fields';

type Schema = Record<string, unknown>;

/** Not blank: parseDeploymentInput trims strings and refuses empty ones. */
const nonBlank = '\\S';

function kindSchema(spec: FieldSpec): Schema {
  const { kind } = spec;
  switch (kind.type) {
    case 'string':
      return { type: 'string', pattern: kind.pattern ? kind.pattern.regex.source : nonBlank };
    case 'number':
      return {
        type: kind.integer ? 'integer' : 'number',
        [kind.exclusiveMin ? 'exclusiveMinimum' : 'minimum']: kind.min,
        maximum: kind.max,
      };
    case 'boolean':
      return { type: 'boolean' };
    case 'stringList':
      return {
        type: 'array',
        items: { type: 'string', pattern: nonBlank },
        ...(kind.allowEmpty ? {} : { minItems: 1 }),
      };
    case 'enum':
      return { enum: [...kind.values] };
    case 'objectList': {
      const entries = Object.entries(kind.fields);
      return {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: Object.fromEntries(
            entries.map(([name, field]) => [
              name,
              field.kind === 'string'
                ? { type: 'string', pattern: nonBlank }
                : { type: 'integer', minimum: field.min ?? 0, maximum: field.max },
            ]),
          ),
          required: entries.filter(([, field]) => field.required).map(([name]) => name),
          additionalProperties: false,
        },
      };
    }
    case 'custom':
      return { ...(kind.schema as JsonSchema) };
  }
}

function fieldSchema(spec: FieldSpec): Schema {
  return {
    description: spec.help,
    ...kindSchema(spec),
    ...(spec.default === undefined ? {} : { default: spec.default }),
  };
}

const required = (fields: readonly string[]) => ({ required: [...fields] });

/** The rules between fields, in our names or (for a seed event) the seed's where it has one. */
function rules(name: (field: string) => string): Schema[] {
  return fieldRules.map((rule) => {
    if (rule.kind === 'oneOf') return { anyOf: rule.fields.map((field) => required([name(field)])) };
    if (rule.kind === 'notBoth') return { not: required(rule.fields.map(name)) };
    return { dependentRequired: { [name(rule.field)]: rule.needs.map(name) } };
  });
}

export function buildInputSchema(): Schema {
  const defs = Object.fromEntries(inputFieldEntries.map(([name, spec]) => [name, fieldSchema(spec)]));
  const ref = (field: string) => ({ $ref: `#/$defs/${field}` });
  const properties: Schema = {
    // Lets an input file name this schema for editor completion; parseDeploymentInput ignores it.
    $schema: { type: 'string', description: 'the JSON Schema of this file (ignored by ecs-taper)' },
    ...Object.fromEntries(inputFieldEntries.map(([name]) => [name, ref(name)])),
  };
  const requiredFields = inputFieldEntries.filter(([, spec]) => spec.required).map(([name]) => name);
  const seedNames = new Map<string, string>(
    inputFieldEntries.flatMap(([name, spec]) => (spec.seedName ? [[name, spec.seedName] as const] : [])),
  );
  const seedName = (field: string) => seedNames.get(field) ?? field;

  const ours = {
    title: 'ecs-taper input',
    type: 'object',
    properties,
    required: requiredFields,
    additionalProperties: false,
    allOf: rules((field) => field),
  };

  // The seed sample's event: its names instead of ours where it has one (task_sg may be one string),
  // our other fields as usual. It is recognised by one of its own names.
  const seedProperties: Schema = { ...properties };
  for (const [field, seed] of seedNames) {
    const spec = inputFieldEntries.find(([name]) => name === field)?.[1] as FieldSpec;
    delete seedProperties[field];
    seedProperties[seed] = {
      description: `the seed sample's name for ${field}`,
      ...(spec.kind.type === 'stringList'
        ? { anyOf: [{ type: 'string', pattern: nonBlank }, ref(field)] }
        : ref(field)),
    };
  }
  const seed = {
    title: "the seed sample's event",
    type: 'object',
    properties: seedProperties,
    required: requiredFields.map(seedName),
    additionalProperties: false,
    allOf: [{ anyOf: [...seedNames.values()].map((name) => required([name])) }, ...rules(seedName)],
  };

  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: 'ecs-taper deployment input',
    description:
      "The input of ecs-taper deploy (CLI --input file, Lambda event, library call): ecs-taper's flat input, or the seed sample's event JSON unchanged. Generated from @ecs-taper/core's field table (src/input-fields.ts); parseDeploymentInput is the full check (e.g. the order of steps).",
    oneOf: [ours, seed],
    $defs: defs,
  };
}
