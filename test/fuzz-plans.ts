/**
 * A fuzzed request as a small plan (a valid base and at most one mutation), so a failing case
 * prints short and replays from its seed; `materialize` builds the real request from it.
 */
import fc from 'fast-check'
import {
  type JsonSchema,
  NASTY_BODIES,
  NASTY_PATH,
  NASTY_QUERY,
  NASTY_VALUES,
  type Operation,
  type Parameter,
  resolve,
  validValue,
} from './openapi-arbitraries'

export type Mutation =
  | { kind: 'field'; key: string; value: string }
  | { kind: 'drop'; key: string }
  | { kind: 'extra' }
  | { kind: 'body'; value: string }
  | { kind: 'path'; key: string; value: string }
  | { kind: 'query'; key: string; value: string }
  | { kind: 'repeat'; key: string }
  | { kind: 'unknown-query' }

export type Plan = {
  path: Record<string, string>
  query: Record<string, string>
  headers: Record<string, string>
  body?: unknown
  mutation?: Mutation
}

type Components = Record<string, JsonSchema>

const JSON_TYPE = 'application/json'

export const jsonBodySchema = (op: Operation) => op.requestBody?.content[JSON_TYPE]?.schema

const params = (op: Operation, where: Parameter['in']) => (op.parameters ?? []).filter((p) => p.in === where)

/** A parameter's value as text; header values stay printable ASCII. */
function paramValue(p: Parameter, components: Components): fc.Arbitrary<string> {
  if (p.in === 'header') return fc.stringMatching(/^[A-Za-z0-9_.=,-]{1,40}$/)
  return validValue(p.schema, components).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
}

function record(list: Parameter[], components: Components, all: boolean) {
  const model = Object.fromEntries(list.map((p) => [p.name, paramValue(p, components)]))
  return fc.record(model, {
    requiredKeys: all ? list.map((p) => p.name) : list.filter((p) => p.required).map((p) => p.name),
  })
}

/** Requests the document says are valid (path parameters are unknown ids, mostly). */
export function validPlan(op: Operation, components: Components): fc.Arbitrary<Plan> {
  const body = jsonBodySchema(op)
  return fc.record({
    path: record(params(op, 'path'), components, true),
    query: record(params(op, 'query'), components, false),
    headers: record(params(op, 'header'), components, false),
    body: body ? validValue(body, components) : fc.constant(undefined),
  }) as fc.Arbitrary<Plan>
}

const names = (list: [string, unknown, ...unknown[]][]) => list.map(([name]) => name)

/** The mutations that apply to `op`, grouped by kind so each kind is as likely as any other. */
function mutations(op: Operation, components: Components): fc.Arbitrary<Mutation>[] {
  const kinds: fc.Arbitrary<Mutation>[] = []
  const body = jsonBodySchema(op)
  if (op.requestBody) {
    kinds.push(fc.constantFrom(...names(NASTY_BODIES(0)).map((value) => ({ kind: 'body' as const, value }))))
  }
  const shape = body && resolve(body, components)
  const fields = Object.keys(shape?.properties ?? {})
  if (fields.length) {
    kinds.push(
      fc.record({
        kind: fc.constant('field' as const),
        key: fc.constantFrom(...fields),
        value: fc.constantFrom(...names(NASTY_VALUES)),
      }),
    )
    kinds.push(fc.constant({ kind: 'extra' as const }))
  }
  if (shape?.required?.length)
    kinds.push(fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...shape.required) }))
  const path = params(op, 'path').map((p) => p.name)
  if (path.length) {
    kinds.push(
      fc.record({
        kind: fc.constant('path' as const),
        key: fc.constantFrom(...path),
        value: fc.constantFrom(...names(NASTY_PATH)),
      }),
    )
  }
  const query = params(op, 'query').map((p) => p.name)
  if (query.length) {
    kinds.push(
      fc.record({
        kind: fc.constant('query' as const),
        key: fc.constantFrom(...query),
        value: fc.constantFrom(...names(NASTY_QUERY)),
      }),
    )
    kinds.push(fc.record({ kind: fc.constant('repeat' as const), key: fc.constantFrom(...query) }))
  }
  kinds.push(fc.constant({ kind: 'unknown-query' as const }))
  return kinds
}

/** A valid request broken in one place. */
export function invalidPlan(op: Operation, components: Components): fc.Arbitrary<Plan> {
  return fc
    .tuple(validPlan(op, components), fc.oneof(...mutations(op, components)))
    .map(([plan, mutation]) => ({ ...plan, mutation }))
}

function pick<L extends [string, ...unknown[]]>(list: L[], name: string): L {
  return list.find(([n]) => n === name)!
}

/** The request a plan stands for: `[url, init]` for `fetch`. */
export function materialize(op: Operation, plan: Plan, base: string, maxBodyBytes: number): [string, RequestInit] {
  const m = plan.mutation
  const pathValues: Record<string, string> = Object.fromEntries(
    Object.entries(plan.path).map(([k, v]) => [k, encodeURIComponent(v)]),
  )
  if (m?.kind === 'path') pathValues[m.key] = pick(NASTY_PATH, m.value)[1]()
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => pathValues[name] ?? 'missing')

  const query = new URLSearchParams(plan.query)
  if (m?.kind === 'query') query.set(m.key, pick(NASTY_QUERY, m.value)[1]())
  if (m?.kind === 'repeat') {
    query.append(m.key, query.get(m.key) ?? '1')
    query.append(m.key, '2')
  }
  if (m?.kind === 'unknown-query') query.append('zzUnknown', '1')
  const qs = query.toString()

  const headers = new Headers(plan.headers)
  let body: string | Uint8Array | undefined
  if (m?.kind === 'body') {
    const [, make, contentType] = pick(NASTY_BODIES(maxBodyBytes), m.value)
    body = make()
    headers.set('content-type', contentType)
  } else if (plan.body !== undefined || (op.requestBody && m)) {
    let value = plan.body
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const obj = { ...(value as Record<string, unknown>) }
      if (m?.kind === 'field') obj[m.key] = pick(NASTY_VALUES, m.value)[1]()
      if (m?.kind === 'drop') delete obj[m.key]
      if (m?.kind === 'extra') Object.assign(obj, { role: 'admin', ownerId: crypto.randomUUID(), plan: 'PRO' })
      value = obj
    }
    body = JSON.stringify(value ?? {})
    headers.set('content-type', JSON_TYPE)
  }
  return [`${base}${path}${qs ? `?${qs}` : ''}`, { method: op.method.toUpperCase(), headers, body }]
}

/** A plan as one short line, for the failure message. */
export const describePlan = (plan: Plan) => (plan.mutation ? JSON.stringify(plan.mutation) : 'valid input')
