/**
 * fast-check arbitraries for requests to an operation of an OpenAPI 3.1 document: valid ones from
 * its JSON Schemas, and invalid or boundary ones by mutating a valid one in one place (a field, a
 * path or query parameter, the whole body, its content type). Used by test/fuzz-openapi.test.ts.
 */
import fc from 'fast-check'

export type JsonSchema = {
  $ref?: string
  type?: string | string[]
  enum?: unknown[]
  const?: unknown
  format?: string
  pattern?: string
  minLength?: number
  maxLength?: number
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  minItems?: number
  maxItems?: number
  items?: JsonSchema
  properties?: Record<string, JsonSchema>
  required?: string[]
  additionalProperties?: boolean | JsonSchema
  anyOf?: JsonSchema[]
  oneOf?: JsonSchema[]
  allOf?: JsonSchema[]
  default?: unknown
}

export type Parameter = {
  name: string
  in: 'path' | 'query' | 'header' | 'cookie'
  required?: boolean
  schema: JsonSchema
}

export type Operation = {
  method: string
  path: string
  parameters?: Parameter[]
  requestBody?: { required?: boolean; content: Record<string, { schema?: JsonSchema }> }
  responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>
}

type Components = Record<string, JsonSchema>

export const resolve = (schema: JsonSchema, components: Components): JsonSchema =>
  schema.$ref ? resolve(components[schema.$ref.replace('#/components/schemas/', '')] ?? {}, components) : schema

const MAX_STRING = 40
const MAX_ITEMS = 4

function stringOf(s: JsonSchema): fc.Arbitrary<string> {
  const minLength = s.minLength ?? 0
  const maxLength = Math.max(minLength, Math.min(s.maxLength ?? MAX_STRING, MAX_STRING))
  switch (s.format) {
    case 'uuid':
      return fc.uuid({ version: 4 })
    case 'email':
      return fc
        .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9.+_-]{0,15}$/), fc.constantFrom('example.com', 'example.org'))
        .map(([local, domain]) => `${local.replace(/\.+$/, '').replace(/\.{2,}/g, '.')}@${domain}`)
    case 'date-time':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString())
    case 'date':
      return fc
        .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10))
    case 'uri':
    case 'url':
      return fc.webUrl({ validSchemes: ['https'] })
  }
  if (s.pattern) {
    try {
      return fc
        .stringMatching(new RegExp(s.pattern))
        .filter((v) => v.length >= minLength && v.length <= (s.maxLength ?? Number.MAX_SAFE_INTEGER))
    } catch {
      // A pattern JavaScript cannot compile is left to the server.
    }
  }
  // Graphemes, so valid text includes RTL, combining marks and astral characters.
  return fc.string({ unit: 'grapheme', minLength, maxLength })
}

function numberOf(s: JsonSchema, integer: boolean): fc.Arbitrary<number> {
  const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 1e-9) : -1e6)
  const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 1e-9) : 1e6)
  if (integer) return fc.integer({ min: Math.ceil(Math.max(min, -(2 ** 31))), max: Math.floor(Math.min(max, 2 ** 31)) })
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
}

/** Values the schema accepts (as far as a JSON Schema can say; refinements are left to the server). */
export function validValue(schema: JsonSchema, components: Components, depth = 0): fc.Arbitrary<unknown> {
  const s = resolve(schema, components)
  if (depth > 6) return fc.constant(null)
  const next = (x: JsonSchema) => validValue(x, components, depth + 1)
  if (s.const !== undefined) return fc.constant(s.const)
  if (s.enum) return fc.constantFrom(...s.enum)
  if (s.anyOf ?? s.oneOf) return fc.oneof(...(s.anyOf ?? s.oneOf ?? []).map(next))
  if (s.allOf) return next(mergeAll(s.allOf.map((x) => resolve(x, components))))
  if (Array.isArray(s.type)) return fc.oneof(...s.type.map((type) => next({ ...s, type })))
  switch (s.type) {
    case 'string':
      return stringOf(s)
    case 'integer':
      return numberOf(s, true)
    case 'number':
      return numberOf(s, false)
    case 'boolean':
      return fc.boolean()
    case 'null':
      return fc.constant(null)
    case 'array':
      return fc.array(s.items ? next(s.items) : fc.jsonValue({ maxDepth: 1 }), {
        minLength: s.minItems ?? 0,
        maxLength: Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? MAX_ITEMS, MAX_ITEMS)),
      })
    case 'object':
      return objectOf(s, next)
  }
  return s.properties ? objectOf(s, next) : fc.jsonValue({ maxDepth: 2 })
}

function objectOf(s: JsonSchema, next: (x: JsonSchema) => fc.Arbitrary<unknown>) {
  const props = Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, v]) => [k, next(v)]))
  const known = fc.record(props, { requiredKeys: (s.required ?? []).filter((k) => k in props) })
  if (typeof s.additionalProperties !== 'object') return known
  const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), next(s.additionalProperties), {
    maxKeys: 3,
  })
  return fc.tuple(known, extra).map(([a, b]) => ({ ...b, ...a }))
}

function mergeAll(parts: JsonSchema[]): JsonSchema {
  if (!parts.every((p) => p.type === 'object' || p.properties)) return parts[0] ?? {}
  return {
    type: 'object',
    properties: Object.assign({}, ...parts.map((p) => p.properties ?? {})),
    required: parts.flatMap((p) => p.required ?? []),
    additionalProperties: false,
  }
}

const NESTED = 10_000
/** Values that are wrong or at the edge for almost any field. */
export const NASTY_VALUES: [string, () => unknown][] = [
  ['null', () => null],
  ['empty string', () => ''],
  ['1 MB string', () => 'x'.repeat(1_048_576)],
  ['NUL byte', () => 'a\u0000b'],
  ['lone surrogate', () => '\ud800'],
  ['NUL and lone surrogate', () => '\u0000\ud800'],
  ['RTL override', () => '\u202Eevil\u202C'],
  ['combining marks', () => `e${'\u0301'.repeat(50)}`],
  ['negative zero', () => -0],
  ['1e308', () => 1e308],
  ['-1e308', () => -1e308],
  ['"NaN"', () => 'NaN'],
  ['"Infinity"', () => 'Infinity'],
  ['-1', () => -1],
  ['0', () => 0],
  ['10^9', () => 1e9],
  ['2^53+1', () => 2 ** 53 + 1],
  ['fraction', () => 1.5],
  ['true', () => true],
  ['empty array', () => []],
  ['10,000 items', () => Array.from({ length: 10_000 }, (_, i) => i)],
  ['empty object', () => ({})],
  ['date in the wrong format', () => '31/12/2024 25:61'],
  ['far past date', () => '0001-01-01T00:00:00.000Z'],
  ['far future date', () => '9999-12-31T23:59:59.999Z'],
  ['invalid calendar date', () => '2024-02-30T00:00:00Z'],
  ['SQL-looking text', () => "' OR 1=1; DROP TABLE users; --"],
  ['path traversal', () => '../../../etc/passwd'],
  ['prototype keys', () => JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"admin":true}}}')],
]

/** Path parameter values that are malformed, foreign or hostile. */
export const NASTY_PATH: [string, () => string][] = [
  ['invalid uuid', () => 'not-a-uuid'],
  ['foreign uuid', () => crypto.randomUUID()],
  ['nil uuid', () => '00000000-0000-0000-0000-000000000000'],
  ['uppercase uuid', () => crypto.randomUUID().toUpperCase()],
  ['encoded NUL', () => 'a%00b'],
  ['encoded lone surrogate', () => '%ED%A0%80'],
  ['broken percent-encoding', () => '%E0%A4%A'],
  ['long segment', () => 'x'.repeat(2_000)],
  ['number', () => '-1'],
  ['RTL text', () => '%E2%80%AEabc'],
]

/** Query values that are malformed or past their limits; `page`/`limit` get the numeric ones. */
export const NASTY_QUERY: [string, () => string][] = [
  ['0', () => '0'],
  ['-1', () => '-1'],
  ['10^9', () => '1000000000'],
  ['1e308', () => '1e308'],
  ['NaN', () => 'NaN'],
  ['fraction', () => '1.5'],
  ['empty', () => ''],
  ['text', () => 'abc'],
  ['NUL byte', () => 'a\u0000b'],
  ['long', () => 'q'.repeat(5_000)],
  ['far future date', () => '9999-12-31T23:59:59Z'],
  ['date in the wrong format', () => '31/12/2024'],
]

/** Whole-body replacements: [name, raw body, content type]. */
export const NASTY_BODIES = (maxBodyBytes: number): [string, () => string | Uint8Array, string][] => [
  ['malformed JSON', () => '{"a":', 'application/json'],
  ['JSON null', () => 'null', 'application/json'],
  ['JSON array', () => '[]', 'application/json'],
  ['JSON string', () => '"text"', 'application/json'],
  ['JSON number', () => '42', 'application/json'],
  ['empty body', () => '', 'application/json'],
  ['arrays nested 10,000 deep', () => `${'['.repeat(NESTED)}${']'.repeat(NESTED)}`, 'application/json'],
  ['objects nested 10,000 deep', () => `${'{"a":'.repeat(NESTED)}1${'}'.repeat(NESTED)}`, 'application/json'],
  ['wrong content-type', () => '{}', 'text/plain'],
  ['form content-type', () => 'a=1', 'application/x-www-form-urlencoded'],
  ['over MAX_BODY_BYTES', () => JSON.stringify({ pad: 'x'.repeat(maxBodyBytes) }), 'application/json'],
  [
    'invalid UTF-8',
    () => new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    'application/json',
  ],
]
