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

/** The words of `text`, lower-cased letters and digits only, so a tsquery built of them always parses. */
const wordsOf = (text: string) => text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []

/** Web-search syntax: a phrase, an exclusion or an `or`; without it every word also matches as a prefix. */
const WEBSEARCH = /["-]|\bor\b/i

/** `text` as typed: web-search syntax as such, else every word as a prefix (`ada:* & lov:*`). */
function asTyped(text: string): Match {
  const prefix = wordsOf(text)
    .map((w) => `${w}:*`)
    .join(' & ')
  return {
    text,
    tsquery: (config) =>
      WEBSEARCH.test(text) || !prefix
        ? sql`websearch_to_tsquery(${config}, ${text})`
        : sql`to_tsquery(${config}, ${prefix})`,
  }
}

/**
 * `text` with each word replaced by its closest word in the `search_words` dictionary (pg_trgm
 * similarity over its trigram index; a word without a close one stays), then as prefixes: what a
 * search falls back to when the words as typed match nothing. The correction is computed once per
 * statement (an uncorrelated subquery).
 */
function corrected(text: string): Match {
  const words = wordsOf(text)
  return {
    text,
    tsquery: (config) => sql`(select to_tsquery(${config}, string_agg(coalesce(
        (select d.word from search_words d where d.word % w order by similarity(d.word, w) desc, d.word limit 1), w
      ) || ':*', ' & ')) from unnest(array[${sql.join(
        words.map((w) => sql`${w}`),
        sql`, `,
      )}]::text[]) as w)`,
  }
}

function orderBy(q: Pick<SearchQuery, 'sortBy' | 'sortOrder'>) {
  if (q.sortBy === 'name') return sql.raw(`lower(title) ${q.sortOrder ?? 'asc'}, id`)
  if (q.sortBy === 'createdAt') return sql.raw(`created_at ${q.sortOrder ?? 'desc'}, id`)
  return sql.raw(`score ${q.sortOrder ?? 'desc'}, created_at desc, id`)
}

type HitRow = {
  type: SearchType
  id: string
  title: string
  subtitle: string | null
  highlight: string
  score: number
  created_at: string
  total: number
}

/**
 * The words as typed first (every word also a prefix); only when they match nothing, the words
 * corrected for typos. Each source applies its own visibility rule and filters in SQL, the union is
 * ranked, counted and cut to the page in one statement, and only the page's rows get a headline.
 */
export async function search(db: Database, caller: Principal, q: SearchQuery) {
  const types = typesFor(caller, q.type)
  if (!types.length) return { data: [], meta: { page: q.page, limit: q.limit, total: 0 } }
  let found = await page(db, caller, q, types, asTyped(q.query))
  if (!found.total && wordsOf(q.query).length) found = await page(db, caller, q, types, corrected(q.query))
  const data = Hits.decode(found.rows.map((r) => ({ ...r, createdAt: new Date(r.created_at) })))
  return { data, meta: { page: q.page, limit: q.limit, total: found.total } }
}

async function page(db: Database, caller: Principal, q: SearchQuery, types: SearchType[], match: Match) {
  const order = orderBy(q)
  const hits = union(types.map((t) => SOURCES[t].select(caller, match, q)))
  const headlineQuery = match.tsquery(sql`cfg::regconfig`)
  const { rows } = await db.execute<HitRow>(sql`
    select type, id, title, subtitle, score, created_at, total,
      ts_headline(cfg::regconfig, replace(replace(replace(doc, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'),
        ${headlineQuery}, 'StartSel=<mark>, StopSel=</mark>, MaxWords=30, MinWords=10, MaxFragments=2') as highlight
    from (
      select *, (count(*) over ())::int as total from (${hits}) hits
      order by ${order} limit ${q.limit} offset ${offsetOf(q)}
    ) page
    order by ${order}`)
  // A page past the end has no row to carry the total.
  const total =
    rows[0]?.total ??
    (q.page > 1
      ? ((await db.execute<{ n: number }>(sql`select count(*)::int as n from (${hits}) hits`)).rows[0]?.n ?? 0)
      : 0)
  return { rows, total }
}

/** Suggestions as someone types: words starting with what was typed, else with its typos corrected; best first. */
export async function autocomplete(db: Database, caller: Principal, q: AutocompleteQuery) {
  const types = typesFor(caller, q.type)
  if (!types.length) return []
  const suggest = async (match: Match) =>
    (
      await db.execute<{ type: SearchType; id: string; title: string }>(sql`
        select type, id, title from (${union(types.map((t) => SOURCES[t].select(caller, match, {})))}) hits
        order by score desc, length(title), lower(title), id limit ${q.limit}`)
    ).rows
  if (!wordsOf(q.query).length) return []
  let rows = await suggest({ ...asTyped(q.query), unranked: true })
  if (!rows.length) rows = await suggest({ ...corrected(q.query), unranked: true })
  return rows.map((r) => SuggestionSchema.parse({ type: r.type, id: r.id, label: r.title }))
}

/** Rebuilds the typo dictionary from every searchable text; readers keep the old one meanwhile. */
export async function refreshSearchWords(db: Database) {
  await db.execute(sql`refresh materialized view concurrently search_words`)
  const { rows } = await db.execute<{ n: number }>(sql`select count(*)::int as n from search_words`)
  return rows[0]?.n ?? 0
}
