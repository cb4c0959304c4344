// A small JSON Schema validator for the subset docs/status.schema.json uses (type, const, enum,
// properties, required, additionalProperties: false, items, minimum, maximum, oneOf, local $ref).
// A keyword outside that subset throws, so the schema can never rely on a rule these tests skip.
import fs from 'node:fs';

type Schema = { [keyword: string]: unknown };

const ANNOTATIONS = new Set(['$schema', '$id', '$defs', 'title', 'description']);
const CHECKED = new Set([
  '$ref',
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minimum',
  'maximum',
  'oneOf',
]);

export const statusSchema = JSON.parse(
  fs.readFileSync(new URL('../docs/status.schema.json', import.meta.url), 'utf8'),
) as Schema;

/** Every way `value` breaks `schema` (at `pointer`, e.g. '#/$defs/session'), as "path: problem"; [] when it fits. */
export function schemaErrors(root: Schema, value: unknown, pointer = '#'): string[] {
  const errors: string[] = [];
  check(root, resolve(root, pointer), value, '$', errors);
  return errors;
}

function resolve(root: Schema, pointer: string): Schema {
  if (!pointer.startsWith('#')) throw new Error(`only local $ref is supported: ${pointer}`);
  let node: unknown = root;
  for (const part of pointer.slice(1).split('/').filter(Boolean)) {
    node = (node as Schema)[part];
    if (node === undefined) throw new Error(`$ref ${pointer} points at nothing`);
  }
  return node as Schema;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  const actual = typeOf(value);
  return types.some((name) => name === actual || (name === 'number' && actual === 'integer'));
}

function check(root: Schema, schema: Schema, value: unknown, path: string, errors: string[]): void {
  for (const keyword of Object.keys(schema)) {
    if (!CHECKED.has(keyword) && !ANNOTATIONS.has(keyword))
      throw new Error(`schema keyword ${keyword} is not supported by test/schema.ts`);
  }
  if (typeof schema.$ref === 'string') check(root, resolve(root, schema.$ref), value, path, errors);
  if (schema.type !== undefined && !matchesType(value, schema.type)) {
    errors.push(`${path}: is ${typeOf(value)}, expected ${JSON.stringify(schema.type)}`);
    return;
  }
  if ('const' in schema && value !== schema.const)
    errors.push(`${path}: must be ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value))
    errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') checkRange(schema, value, path, errors);
  if (Array.isArray(schema.oneOf)) checkOneOf(root, schema.oneOf as Schema[], value, path, errors);
  if (Array.isArray(value) && schema.items) {
    for (const [index, item] of value.entries())
      check(root, schema.items as Schema, item, `${path}[${index}]`, errors);
  }
  if (typeOf(value) === 'object') checkObject(root, schema, value as Record<string, unknown>, path, errors);
}

function checkRange(schema: Schema, value: number, path: string, errors: string[]): void {
  if (typeof schema.minimum === 'number' && value < schema.minimum)
    errors.push(`${path}: ${value} is below ${schema.minimum}`);
  if (typeof schema.maximum === 'number' && value > schema.maximum)
    errors.push(`${path}: ${value} is above ${schema.maximum}`);
}

function checkOneOf(root: Schema, options: Schema[], value: unknown, path: string, errors: string[]): void {
  const fits = options.filter((option) => {
    const found: string[] = [];
    check(root, option, value, path, found);
    return found.length === 0;
  }).length;
  if (fits !== 1) errors.push(`${path}: matches ${fits} of the oneOf choices, expected exactly 1`);
}

function checkObject(
  root: Schema,
  schema: Schema,
  value: Record<string, unknown>,
  path: string,
  errors: string[],
): void {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  for (const key of (schema.required ?? []) as string[]) {
    if (!(key in value)) errors.push(`${path}: lacks required field ${key}`);
  }
  for (const [key, item] of Object.entries(value)) {
    const property = properties[key];
    if (property) check(root, property, item, `${path}.${key}`, errors);
    else if (schema.additionalProperties === false) errors.push(`${path}: has undocumented field ${key}`);
  }
}
