import { sql, type SQL } from 'drizzle-orm'
import { z } from '@hono/zod-openapi'
import type { Database } from '../../db/client'
import { offsetOf } from '../../lib/pagination'
import type { Principal } from '../../lib/types'
import {
  SEARCH_TYPES,
  SearchHitSchema,
  SuggestionSchema,
  type AutocompleteQuery,
  type SearchQuery,
  type SearchType,
} from './search.schemas'
import { SOURCES, type Match } from './search.sources'

const Hits = z.array(SearchHitSchema)

/** The types a search covers: the one asked for, else all; only those the caller may read. */
function typesFor(caller: Principal, type: SearchType | undefined) {
  return (type ? [type] : SEARCH_TYPES).filter((t) => SOURCES[t].readable(caller))
}

const union = (parts: SQL[]) => sql.join(parts, sql` union all `)

/** `words` as a prefix tsquery (`ada:* & lov:*`), letters and digits only so it always parses. */
function prefixQuery(text: string) {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []
  return words.map((w) => `${w}:*`).join(' & ')
}

function orderBy(q: Pick<SearchQuery, 'sortBy' | 'sortOrder'>) {
  if (q.sortBy === 'name') return sql.raw(`lower(title) ${q.sortOrder ?? 'asc'}, id`)
  if (q.sortBy === 'createdAt') return sql.raw(`created_at ${q.sortOrder ?? 'desc'}, id`)
  return sql.raw(`score ${q.sortOrder ?? 'desc'}, created_at desc, id`)
}

/**
 * One query over every readable type: each source applies its own visibility rule and filters in
 * SQL, the union is ranked, counted and cut to the page, and only the page's rows get a headline.
 */
export async function search(db: Database, caller: Principal, q: SearchQuery) {
  const types = typesFor(caller, q.type)
  if (!types.length) return { data: [], meta: { page: q.page, limit: q.limit, total: 0 } }
  const match: Match = { text: q.query, tsquery: (c) => sql`websearch_to_tsquery(${c}::regconfig, ${q.query})` }
  const order = orderBy(q)
  const rows = await db.execute<{
    type: SearchType
    id: string
    title: string
    subtitle: string | null
    highlight: string
    score: number
    created_at: string
    total: number
  }>(sql`
    select type, id, title, subtitle, score, created_at, total,
      ts_headline(cfg::regconfig, replace(replace(replace(doc, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
        websearch_to_tsquery(cfg::regconfig, ${q.query}),
        'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=10, MaxFragments=2') as highlight
    from (
      select *, (count(*) over ())::int as total from (${union(types.map((t) => SOURCES[t].select(caller, match, q)))}) hits
      order by ${order} limit ${q.limit} offset ${offsetOf(q)}
    ) page
    order by ${order}`)
  const total = rows.rows[0]?.total ?? (q.page > 1 ? await countHits(db, caller, q, match, types) : 0)
  const data = Hits.decode(rows.rows.map((r) => ({ ...r, createdAt: new Date(r.created_at) })))
  return { data, meta: { page: q.page, limit: q.limit, total } }
}

/** A page past the end has no row to carry the total. */
async function countHits(db: Database, caller: Principal, q: SearchQuery, match: Match, types: SearchType[]) {
  const rows = await db.execute<{ n: number }>(
    sql`select count(*)::int as n from (${union(types.map((t) => SOURCES[t].select(caller, match, q)))}) hits`,
  )
  return rows.rows[0]?.n ?? 0
}

/** Suggestions as someone types: prefixes of the words (full text) or trigram closeness, best first. */
export async function autocomplete(db: Database, caller: Principal, q: AutocompleteQuery) {
  const types = typesFor(caller, q.type)
  if (!types.length) return []
  const prefix = prefixQuery(q.query)
  const match: Match = {
    text: q.query,
    tsquery: (c) => (prefix ? sql`to_tsquery(${c}::regconfig, ${prefix})` : sql`''::tsquery`),
  }
  const rows = await db.execute<{ type: SearchType; id: string; title: string }>(sql`
    select type, id, title from (${union(types.map((t) => SOURCES[t].select(caller, match, {})))}) hits
    order by score desc, lower(title), id limit ${q.limit}`)
  return rows.rows.map((r) => SuggestionSchema.parse({ type: r.type, id: r.id, label: r.title }))
}
