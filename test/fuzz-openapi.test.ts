/**
 * Every operation of the served OpenAPI document, fuzzed: valid inputs generated from its schemas,
 * and invalid or boundary ones (a valid request broken in one place). Each answer must be below
 * 500; a 4xx must be the error envelope with a documented code and status; a refused write must
 * leave every table's row count as it was; a 2xx must validate against its documented schema.
 *
 * FUZZ_SEED replays a run (the seed is printed on failure), FUZZ_INPUTS sets the total (default
 * 2,000), FUZZ_ONLY="POST /api/v1/customers" narrows to one operation. See docs/reliability.md.
 */
import { Validator } from '@cfworker/json-schema'
import { env } from 'cloudflare:workers'
import { SELF } from 'cloudflare:test'
import { sql } from 'drizzle-orm'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/env'
import { ERROR_STATUS } from '../src/lib/errors'
import { describePlan, invalidPlan, materialize, type Plan, validPlan } from './fuzz-plans'
import type { JsonSchema, Operation } from './openapi-arbitraries'
import { BASE, mockFetchFor, seedUser, withDb } from './helpers'

type Doc = {
  paths: Record<string, Record<string, Omit<Operation, 'method' | 'path'>>>
  components: { schemas: Record<string, JsonSchema> }
}

const SEED = Number(env.FUZZ_SEED || 17)
const TOTAL = Number(env.FUZZ_INPUTS || 2000)
const ONLY = env.FUZZ_ONLY || ''
const MAX_BODY_BYTES = loadConfig(env).MAX_BODY_BYTES
// Statuses any route may answer before its own code runs: unreadable or oversize bodies, a wrong
// content type, a failed schema, the API rate limit, a dependency down.
const ANY_ROUTE = new Set([400, 413, 415, 422, 429, 503])
// Written in the background (queue consumers, health probes), not by the request being checked.
const BACKGROUND_TABLES = new Set(['emails', 'queue_failures', 'dead_letters', 'health_checks'])
const WRITES = new Set(['post', 'put', 'patch', 'delete'])

const doc: Doc = await (await SELF.fetch(`${BASE}/openapi.json`)).json()
const components = doc.components.schemas
const operations: Operation[] = Object.entries(doc.paths)
  .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ ...op, method, path })))
  .filter((op) => !ONLY || `${op.method.toUpperCase()} ${op.path}` === ONLY)
const perOperation = Math.max(4, Math.ceil(TOTAL / Math.max(operations.length, 1)))
const invalidRuns = Math.ceil((perOperation * 2) / 3)
const validRuns = perOperation - invalidRuns

// The document's schemas, with refs rewritten to $defs so one validator resolves them.
const defs = JSON.parse(JSON.stringify(components).replaceAll('#/components/schemas/', '#/$defs/'))
const validators = new Map<JsonSchema, Validator>()
function validate(schema: JsonSchema, value: unknown) {
  let v = validators.get(schema)
  if (!v) {
    const rewritten = JSON.parse(JSON.stringify(schema).replaceAll('#/components/schemas/', '#/$defs/'))
    v = new Validator({ $defs: defs, ...rewritten }, '2020-12', false)
    validators.set(schema, v)
  }
  return v.validate(value)
}

const tally = new Map<string, { invalid: number; valid: number; statuses: Record<number, number> }>()
let serverErrors = 0
let admin: Awaited<ReturnType<typeof seedUser>>
let countsSql: ReturnType<typeof sql.raw>

/** Row counts of every table the request could write. */
const rowCounts = () =>
  withDb(async (db) => (await db.execute<{ counts: Record<string, number> }>(countsSql)).rows[0]!.counts)

/** The tables whose row count differs, as `{ table: [before, after] }`. */
function changed(before: Record<string, number>, after: Record<string, number>) {
  return Object.fromEntries(
    Object.keys(before)
      .filter((t) => before[t] !== after[t])
      .map((t) => [t, [before[t], after[t]]]),
  )
}

/**
 * Waits until an accepted write's background work (waitUntil: a reset token issued after the
 * answer, an event's listeners) has landed, so the next refused request is measured alone.
 */
async function settle() {
  let last = await rowCounts()
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 25))
    const now = await rowCounts()
    if (Object.keys(changed(last, now)).length === 0) return
    last = now
  }
}

beforeAll(async () => {
  // Stripe is a third party: its API is mocked at fetch, so checkout reaches the app's own code.
  let sessions = 0
  mockFetchFor('https://api.stripe.com', () => {
    const id = `cs_test_fuzz_${++sessions}`
    return Response.json({ id, object: 'checkout.session', url: `https://checkout.stripe.com/c/pay/${id}` })
  })
  admin = await seedUser({ roles: ['admin'], name: 'Fuzz Admin' })
  const tables = await withDb((db) =>
    db.execute<{ name: string }>(
      sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE'`,
    ),
  )
  const names = tables.rows.map((t) => t.name).filter((n) => !BACKGROUND_TABLES.has(n) && !n.startsWith('__'))
  countsSql = sql.raw(
    `select json_build_object(${names.map((n) => `'${n}', (select count(*) from "${n}")`).join(', ')}) as counts`,
  )
})

afterAll(() => {
  const lines = [...tally].map(
    ([op, t]) =>
      `${op.padEnd(64)} ${String(t.invalid).padStart(4)} invalid ${String(t.valid).padStart(4)} valid  ${JSON.stringify(t.statuses)}`,
  )
  const total = [...tally.values()].reduce((n, t) => n + t.invalid + t.valid, 0)
  console.log(
    `fuzz (seed ${SEED}): ${total} inputs over ${tally.size} operations, ${serverErrors} answered 5xx\n${lines.join('\n')}`,
  )
})

/** The caller: a fresh user for the auth routes (they sign out, change passwords), the admin for the rest. */
async function tokenFor(op: Operation) {
  if (op.path.startsWith('/api/v1/auth/')) return (await seedUser({ roles: ['user'] })).token
  return admin.token
}

async function check(op: Operation, plan: Plan, token: string) {
  const name = `${op.method.toUpperCase()} ${op.path}`
  const t = tally.get(name) ?? { invalid: 0, valid: 0, statuses: {} }
  tally.set(name, t)
  const [url, init] = materialize(op, plan, BASE, MAX_BODY_BYTES)
  const headers = new Headers(init.headers)
  if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`)
  const write = WRITES.has(op.method)
  const before = write ? await rowCounts() : undefined
  const res = await SELF.fetch(url, { ...init, headers })
  const type = res.headers.get('content-type') ?? ''
  let text = ''
  if (type.includes('event-stream')) await res.body?.cancel()
  else text = await res.text()
  t[plan.mutation ? 'invalid' : 'valid']++
  t.statuses[res.status] = (t.statuses[res.status] ?? 0) + 1
  if (res.status >= 500) serverErrors++
  const where = `${name} with ${describePlan(plan)} answered ${res.status}: ${text.slice(0, 300)}`

  expect(res.status < 500, where).toBe(true)
  const documented = op.responses[String(res.status)]
  if (res.status >= 400) {
    expect(documented !== undefined || ANY_ROUTE.has(res.status), `undocumented status: ${where}`).toBe(true)
    const body = JSON.parse(text) as { error?: { code: keyof typeof ERROR_STATUS } }
    expect(validate(components.Error!, body).valid, `not the error envelope: ${where}`).toBe(true)
    const code = body.error!.code
    expect(
      ERROR_STATUS[code] === res.status || (code === 'BAD_REQUEST' && res.status === 416),
      `code ${code}: ${where}`,
    ).toBe(true)
    if (before) expect(changed(before, await rowCounts()), `a refused request wrote: ${where}`).toEqual({})
    return
  }
  if (write) await settle()
  expect(documented, `undocumented status: ${where}`).toBeDefined()
  const schema = documented?.content?.['application/json']?.schema
  if (schema && type.includes('application/json')) {
    const result = validate(schema, JSON.parse(text))
    expect(
      result.valid,
      `response does not match the document: ${where}\n${JSON.stringify(result.errors.slice(0, 3))}`,
    ).toBe(true)
  }
}

describe(`fuzzing every operation of /openapi.json (seed ${SEED}, ${perOperation} inputs each)`, () => {
  it('finds operations to fuzz', () => {
    expect(operations.length).toBeGreaterThan(ONLY ? 0 : 100)
  })

  for (const op of operations) {
    it(`${op.method.toUpperCase()} ${op.path}`, { timeout: Math.max(120_000, perOperation * 250) }, async () => {
      const token = await tokenFor(op)
      for (const [arb, numRuns] of [
        [invalidPlan(op, components), invalidRuns],
        [validPlan(op, components), validRuns],
      ] as const) {
        await fc.assert(
          fc.asyncProperty(arb, (plan) => check(op, plan, token)),
          { seed: SEED, numRuns, endOnFailure: true },
        )
      }
    })
  }
})
