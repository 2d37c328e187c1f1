/**
 * Every foreign key is the leading column(s) of an index: deleting or re-keying the referenced row (a user, a
 * project, a customer) makes Postgres find the referencing rows, which without one (a partial index does not
 * count) is a scan of the whole table.
 */
import { sql } from 'drizzle-orm'
import { describe, expect, it } from 'vitest'
import { withDb } from './helpers'

describe('foreign keys', () => {
  it('each has an index led by its columns', async () => {
    const { rows } = await withDb((db) =>
      db.execute<{ fk: string }>(sql`
        select c.conrelid::regclass || '(' || string_agg(a.attname, ', ' order by k.n) || ')' as fk
        from pg_constraint c
        cross join lateral unnest(c.conkey) with ordinality as k(attnum, n)
        join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum
        where c.contype = 'f' and c.connamespace = 'public'::regnamespace
          and not exists (
            select 1 from pg_index i
            where i.indrelid = c.conrelid and i.indpred is null
              and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey
              and (i.indkey::int2[])[0:cardinality(c.conkey) - 1] <@ c.conkey
          )
        group by c.oid, c.conrelid
        order by 1`),
    )
    expect(rows.map((r) => r.fk)).toEqual([])
  })
})
