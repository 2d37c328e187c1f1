/**
 * The local Neon SQL-over-HTTP endpoint (scripts/neon-http-endpoint.ts), driven by the real driver
 * (`neon()` of @neondatabase/serverless) and by drizzle-orm/neon-http, against this file's database.
 * Values are compared with what the same queries give over the WebSocket path, which is Postgres'
 * own wire protocol: the HTTP endpoint must hand the driver the same text for its type parsers.
 */
import { env } from 'cloudflare:workers'
import { NeonDbError, Pool, neon, neonConfig } from '@neondatabase/serverless'
import { eq, sql as dsql } from 'drizzle-orm'
import { drizzle } from 'drizzle-orm/neon-http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isUniqueViolation } from '../src/db/errors'
import { notifications, users } from '../src/db/schema'
import { probes } from './neon-http-probe'

const endpoint = `http://${env.DATABASE_WS_PROXY}/sql`
// What the app sets for a local database: both transports through the local proxy, in plain http/ws.
neonConfig.fetchEndpoint = () => endpoint
neonConfig.wsProxy = (host, port) => `${env.DATABASE_WS_PROXY}/v1?address=${host}:${port}`
neonConfig.useSecureWebSocket = false
neonConfig.pipelineTLS = false
neonConfig.pipelineConnect = false

const sql = neon(env.DATABASE_URL)
const db = drizzle({ client: sql })
const ws = new Pool({ connectionString: env.DATABASE_URL })
// An idle client losing its socket when the pool ends must not become an unhandled rejection.
ws.on('error', () => {})

/** The error a promise rejects with; drizzle wraps a statement's error, a batch's arrives as is. */
async function failure(promise: Promise<unknown>): Promise<NeonDbError> {
  const err = await promise.then(
    () => expect.fail('expected the query to fail'),
    (e: unknown) => e,
  )
  const neonError = err instanceof NeonDbError ? err : (err as { cause?: unknown }).cause
  expect(neonError).toBeInstanceOf(NeonDbError)
  return neonError as NeonDbError
}

/** A raw request, for what the driver never sends. */
const post = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(endpoint, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'neon-connection-string': env.DATABASE_URL, 'neon-raw-text-output': 'true', ...headers },
  })

beforeAll(async () => {
  await sql.query('create table http_probe (id int primary key, note text not null)')
  await sql.query(probes.ddl)
})
afterAll(() => ws.end())

describe('neon() over the local HTTP endpoint', () => {
  it('returns every column type the schema uses as the driver parses it, as over WebSocket', async () => {
    const query = `select $1::uuid as id, $2::timestamptz as at, $3::jsonb as doc, $4::text[] as tags,
      $5::numeric as amount, $6::bigint as big, $7::boolean as flag, $8::text as nothing, $9::integer as n,
      $10::text as txt, $11::double precision as dbl, $12::real as r, $13::smallint as small, $14::date as day,
      $15::varchar(40) as vc, $16::bytea as bin`
    const at = new Date('2024-05-06T07:08:09.123Z')
    const doc = { a: 1, nested: { b: [1, 'x', null] }, quote: 'say "hi"\\' }
    const tags = ['a', 'b c', 'with "quote"', 'back\\slash', 'comma,here', '{braces}', null]
    const params = [
      ...[crypto.randomUUID(), at, doc, tags, '12345678901234567890.123456789', 9007199254740993n, true, null, 42],
      ...['héllo ✓\nline', Math.PI, 1.5, 7, '2024-02-29', 'varchar', new Uint8Array([0, 1, 254, 255])],
    ]
    const [row] = await sql.query(query, params)
    expect(row).toMatchObject({ id: params[0], doc, tags, amount: '12345678901234567890.123456789' })
    expect(row).toMatchObject({ big: '9007199254740993', flag: true, nothing: null, n: 42, txt: 'héllo ✓\nline' })
    expect(row).toMatchObject({ dbl: Math.PI, r: 1.5, small: 7, day: '2024-02-29', vc: 'varchar' })
    // drizzle-orm/neon-http sets the driver's global parsers of dates and times to keep the text.
    expect(new Date(row!.at as string)).toEqual(at)
    expect(Array.from(row!.bin as Uint8Array)).toEqual([0, 1, 254, 255])
    expect((await ws.query(query, params)).rows[0]).toEqual(row)
  })

  it('answers in object or array mode, with fields, command and rowCount under fullResults', async () => {
    expect(await sql.query('select 1 as a, $1::text as b', ['x'])).toEqual([{ a: 1, b: 'x' }])
    expect(await sql.query('select 1 as a, $1::text as b', ['x'], { arrayMode: true })).toEqual([[1, 'x']])
    const full = await sql.query('insert into http_probe values (1, $1), (2, $1) returning id', ['n'], {
      fullResults: true,
      arrayMode: true,
    })
    const [{ oid }] = (await sql.query(`select 'http_probe'::regclass::oid as oid`)) as [{ oid: number }]
    expect(full).toMatchObject({ command: 'INSERT', rowCount: 2, rows: [[1], [2]], rowAsArray: true })
    expect(full.fields).toEqual([
      { name: 'id', dataTypeID: 23, tableID: oid, columnID: 1, dataTypeSize: 4, dataTypeModifier: -1, format: 'text' },
    ])
    const update = await sql`update http_probe set note = 'm' where id > ${0}`
    expect(update).toEqual([])
    expect(await sql.query('update http_probe set note = $1', ['o'], { fullResults: true })).toMatchObject({
      command: 'UPDATE',
      rowCount: 2,
    })
    expect(await sql.query('create index on http_probe (note)', [], { fullResults: true })).toMatchObject({
      command: 'CREATE',
      rowCount: null,
    })
  })

  it('answers the wire format of Neon: text values, object rows without Neon-Array-Mode, batch results', async () => {
    const single = await post({ query: 'select 1 as a, null::int as b, $1::int[] as c', params: [[1, null]] })
    expect(single.status).toBe(200)
    expect(await single.json()).toMatchObject({
      command: 'SELECT',
      rowCount: 1,
      rows: [{ a: '1', b: null, c: '{1,NULL}' }],
    })
    const batch = await post(
      { queries: [{ query: 'select 1 as a' }, { query: 'select 2 as a', arrayMode: false }] },
      { 'neon-array-mode': 'true', 'neon-batch-read-only': 'true' },
    )
    expect(batch.headers.get('neon-batch-read-only')).toBe('true')
    const { results } = (await batch.json()) as { results: { rows: unknown[] }[] }
    expect(results.map((r) => r.rows)).toEqual([[['1']], [{ a: '2' }]])
  })

  it('refuses what it cannot serve with a 4xx the driver turns into an error', async () => {
    const remote = neon('postgres://user:pw@db.example.com:5432/outpost')
    expect((await failure(remote.query('select 1'))).message).toMatch(/only loopback Postgres targets/)
    expect((await post({ query: 'select 1' }, { 'neon-raw-text-output': 'false' })).status).toBe(400)
    expect((await post({ query: 'select 1' }, { 'neon-batch-isolation-level': 'Chaos' })).status).toBe(400)
    expect((await post({ nothing: true })).status).toBe(400)
    // One statement per query, as Neon runs each in the extended protocol.
    expect((await failure(sql.query('select 1; select 2'))).code).toBe('42601')
  })

  it('runs a batch in one transaction that rolls back whole on any error', async () => {
    const [a, b] = await sql.transaction([
      sql`insert into http_probe values (10, 'a')`,
      sql`select note from http_probe where id = 10`,
    ])
    expect([a, b]).toEqual([[], [{ note: 'a' }]])
    const err = await failure(
      sql.transaction([
        sql`insert into http_probe values (11, 'gone')`,
        sql`insert into http_probe values (10, 'dup')`,
      ]),
    )
    expect(err).toMatchObject({ code: '23505', constraint: 'http_probe_pkey', table: 'http_probe' })
    expect(await sql`select id from http_probe where id = 11`).toEqual([])
  })

  it('honours the isolation level, read-only and deferrable headers of a batch', async () => {
    const mode = [sql`show transaction_isolation`, sql`show transaction_read_only`, sql`show transaction_deferrable`]
    const values = (rows: Record<string, string>[][]) => rows.map((r) => Object.values(r[0]!)[0])
    expect(values(await sql.transaction(mode))).toEqual(['read committed', 'off', 'off'])
    const strict = await sql.transaction(mode, { isolationLevel: 'Serializable', readOnly: true, deferrable: true })
    expect(values(strict)).toEqual(['serializable', 'on', 'on'])
    expect(values(await sql.transaction(mode, { isolationLevel: 'RepeatableRead' }))).toEqual([
      'repeatable read',
      'off',
      'off',
    ])
    const write = sql.transaction([sql`insert into http_probe values (20, 'ro')`], { readOnly: true })
    expect((await failure(write)).code).toBe('25006')
  })
})

describe('Postgres errors arrive with their code, as the app maps them', () => {
  it('unique violation 23505 and foreign key 23503, with the error fields of Neon', async () => {
    const email = `${crypto.randomUUID()}@http.test`
    const insert = () => sql`insert into users (email, name, password_hash) values (${email}, 'n', 'h') returning id`
    const [user] = (await insert()) as [{ id: string }]
    const dup = await failure(insert())
    expect(dup).toMatchObject({ code: '23505', constraint: 'users_email_lower_idx', table: 'users', schema: 'public' })
    expect(dup).toMatchObject({ severity: 'ERROR', detail: expect.stringContaining('already exists') })
    expect(isUniqueViolation(dup)).toBe(true)
    const orphan = await failure(sql`insert into notifications (user_id, type, title, message)
      values (${crypto.randomUUID()}, 'info', 't', 'm')`)
    expect(orphan).toMatchObject({ code: '23503', constraint: 'notifications_user_id_users_id_fk' })
    await sql`delete from users where id = ${user.id}`
  })

  it('serialization failure 40001 in a batch that lost a race, rolled back', async () => {
    await sql`insert into http_probe values (30, 'start')`
    const holder = await ws.connect()
    try {
      await holder.query('begin')
      await holder.query(`update http_probe set note = 'first' where id = 30`)
      const loser = failure(
        sql.transaction(
          [sql`insert into http_probe values (31, 'gone')`, sql`update http_probe set note = 'second' where id = 30`],
          {
            isolationLevel: 'RepeatableRead',
          },
        ),
      )
      // Commit only once the batch waits on the row lock, so it has its snapshot: the order is fixed.
      const waiting = sql`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`
      while ((await waiting).length === 0) await new Promise((r) => setTimeout(r, 20))
      await holder.query('commit')
      expect((await loser).code).toBe('40001')
    } finally {
      holder.release()
    }
    expect(await sql`select id, note from http_probe where id in (30, 31)`).toEqual([{ id: 30, note: 'first' }])
  })

  it('a syntax error 42601 with its position', async () => {
    expect(await failure(sql.query('selec 1'))).toMatchObject({ code: '42601', position: '1' })
  })
})

describe('drizzle-orm/neon-http over the local HTTP endpoint', () => {
  it('writes and reads back every column type, as over WebSocket', async () => {
    const row = probes.sample()
    const [inserted] = await db.insert(probes.table).values(row).returning()
    expect(inserted).toEqual(row)
    const [read] = await db.select().from(probes.table).where(eq(probes.table.id, row.id))
    expect(read).toEqual(row)
    expect((await ws.query(`select count(*)::int as n from ${probes.name} where id = $1`, [row.id])).rows).toEqual([
      { n: 1 },
    ])
  })

  it('runs db.batch in one transaction that rolls back whole', async () => {
    const email = `${crypto.randomUUID()}@http.test`
    const [[user], [count]] = await db.batch([
      db.insert(users).values({ email, name: 'b', passwordHash: 'h' }).returning({ id: users.id }),
      db.select({ n: dsql<number>`count(*)::int` }).from(users).where(eq(users.email, email)),
    ])
    expect(count).toEqual({ n: 1 })
    const err = await failure(
      db.batch([
        db.insert(notifications).values({ userId: user!.id, type: 'info', title: 'kept?', message: 'm' }),
        db.insert(users).values({ email: email.toUpperCase(), name: 'dup', passwordHash: 'h' }),
      ]),
    )
    expect(isUniqueViolation(err)).toBe(true)
    expect(await db.select().from(notifications).where(eq(notifications.userId, user!.id))).toEqual([])
  })

  it('wraps a statement error so the app finds the code on its cause', async () => {
    const write = db
      .insert(notifications)
      .values({ userId: crypto.randomUUID(), type: 'info', title: 't', message: 'm' })
    const err = await write.then(
      () => expect.fail('expected a foreign key violation'),
      (e: unknown) => e as { cause?: { code?: string } },
    )
    expect(err.cause?.code).toBe('23503')
  })
})
