/** A table with every column type the schema uses (and numeric, text[]), for test/neon-http-protocol.test.ts. */
import {
  bigint,
  boolean,
  date,
  doublePrecision,
  integer,
  jsonb,
  numeric,
  pgTable,
  real,
  smallint,
  text,
  timestamp,
  uuid,
  varchar,
} from 'drizzle-orm/pg-core'

const name = 'http_types_probe'

const table = pgTable(name, {
  id: uuid('id').primaryKey(),
  note: text('note').notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  doc: jsonb('doc').$type<Record<string, unknown>>().notNull(),
  tags: text('tags').array().notNull(),
  amount: numeric('amount').notNull(),
  big: bigint('big', { mode: 'number' }).notNull(),
  huge: bigint('huge', { mode: 'bigint' }).notNull(),
  flag: boolean('flag').notNull(),
  missing: text('missing'),
  count: integer('count').notNull(),
  dbl: doublePrecision('dbl').notNull(),
  r: real('r').notNull(),
  small: smallint('small').notNull(),
  day: date('day').notNull(),
  label: varchar('label', { length: 40 }).notNull(),
})

const ddl = `create table ${name} (id uuid primary key, note text not null, at timestamptz not null,
  doc jsonb not null, tags text[] not null, amount numeric not null, big bigint not null, huge bigint not null,
  flag boolean not null, missing text, count integer not null, dbl double precision not null, r real not null,
  small smallint not null, day date not null, label varchar(40) not null)`

/** A row whose every value needs care on the way: quotes, backslashes, unicode, 2^53+1, a leap day. */
const sample = (): typeof table.$inferSelect => ({
  id: crypto.randomUUID(),
  note: 'héllo ✓ "quoted" \\ back\nline',
  at: new Date('2024-05-06T07:08:09.123Z'),
  doc: { a: 1, nested: { b: [1, 'x', null], t: true }, quote: 'say "hi"\\' },
  tags: ['a', 'b c', 'with "quote"', 'back\\slash', 'comma,here', '{braces}', 'NULL', ''],
  amount: '12345678901234567890.123456789',
  big: 2 ** 40,
  huge: 9007199254740993n,
  flag: false,
  missing: null,
  count: -42,
  dbl: Math.PI,
  r: 1.5,
  small: 7,
  day: '2024-02-29',
  label: 'varchar',
})

export const probes = { name, table, ddl, sample }
