import { AsyncLocalStorage } from 'node:async_hooks'
import type { NeonQueryFunction, NeonQueryPromise } from '@neondatabase/serverless'

/** One SQL statement with its parameters, as Neon's HTTP transport sends it. */
export type Statement = { sql: string; params: unknown[] }

/**
 * `passed`/`failed`: the lead ran ahead of a statement of the scope (failed: it raised what
 * `failedBy` recognises, and nothing after it ran); `unsent`: the scope sent nothing over HTTP, or
 * the request carrying the lead failed before Postgres answered, so whether it holds is unknown.
 */
export type LeadOutcome = 'passed' | 'failed' | 'unsent'

type Lead = {
  statement: Statement
  failedBy: (err: unknown) => boolean
  state: LeadOutcome | 'sending' | 'closed'
}

const leads = new AsyncLocalStorage<Lead>()

/** Thrown at a statement sent after the lead failed: it must not run for a caller that changed. */
export class LeadFailed extends Error {
  constructor() {
    super('The statement that leads this scope failed')
  }
}

/**
 * Runs `fn`; the first statement (or batch) it sends over Neon's HTTP transport goes in one
 * transaction after `statement`, so a check and the work it guards cost one round trip, and a
 * failing check rolls back whatever the work did. Statements after the first go on their own.
 */
export async function leadingWith(
  statement: Statement,
  failedBy: (err: unknown) => boolean,
  fn: () => Promise<void>,
): Promise<LeadOutcome> {
  const lead: Lead = { statement, failedBy, state: 'unsent' }
  let outcome: LeadOutcome = 'unsent'
  try {
    await leads.run(lead, fn)
  } finally {
    if (lead.state === 'passed' || lead.state === 'failed') outcome = lead.state
    // Background work the scope started (waitUntil) must not pick the lead up later.
    lead.state = 'closed'
  }
  return outcome
}

type Sql = NeonQueryFunction<false, false>
type QueryOptions = Parameters<Sql['query']>[2]
type TransactionOptions = Parameters<Sql['transaction']>[1]

/**
 * A statement as drizzle builds it: sent when awaited, or handed to `transaction` as part of a
 * batch (drizzle builds a batch's statements with `query` first), like Neon's own query promises.
 */
class Deferred implements PromiseLike<unknown> {
  #sent?: Promise<unknown>
  constructor(
    readonly sql: Sql,
    readonly text: string,
    readonly params: unknown[] | undefined,
    readonly opts: QueryOptions,
  ) {}
  toNeon() {
    return this.sql.query(this.text, this.params, this.opts) as NeonQueryPromise<false, false>
  }
  // biome-ignore lint/suspicious/noThenProperty: a lazy statement, sent when awaited, as drizzle expects of Neon's
  then<A = unknown, B = never>(
    onfulfilled?: ((value: unknown) => A | PromiseLike<A>) | null,
    onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    this.#sent ??= send(this.sql, [this], 'single').then((results) => results[0])
    return this.#sent.then(onfulfilled, onrejected)
  }
}

const toNeon = (q: Deferred | NeonQueryPromise<false, false>) => (q instanceof Deferred ? q.toNeon() : q)

/** Sends one statement (`single`) or a batch, behind the scope's lead while it is unsent. */
async function send(
  sql: Sql,
  queries: (Deferred | NeonQueryPromise<false, false>)[],
  opts: TransactionOptions | 'single',
): Promise<unknown[]> {
  const lead = leads.getStore()
  if (lead?.state === 'failed') throw new LeadFailed()
  if (lead?.state !== 'unsent') {
    return opts === 'single' ? [await toNeon(queries[0]!)] : sql.transaction(queries.map(toNeon), opts)
  }
  lead.state = 'sending'
  try {
    const [, ...results] = await sql.transaction(
      [sql.query(lead.statement.sql, lead.statement.params), ...queries.map(toNeon)],
      opts === 'single' ? undefined : opts,
    )
    lead.state = 'passed'
    return results
  } catch (err) {
    // Statements run in order, so any other Postgres error comes from the work: the lead held.
    const answered = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    if (lead.state === 'sending') lead.state = lead.failedBy(err) ? 'failed' : answered ? 'passed' : 'unsent'
    throw lead.state === 'failed' ? new LeadFailed() : err
  }
}

/** Neon's HTTP client with `leadingWith` support: what drizzle's neon-http driver is given. */
export function withLeads(sql: Sql): Sql {
  const query = (text: string, params?: unknown[], opts?: QueryOptions) => new Deferred(sql, text, params, opts)
  const transaction = (queries: (Deferred | NeonQueryPromise<false, false>)[], opts?: TransactionOptions) =>
    send(sql, queries, opts)
  return Object.assign(sql.bind(null), { ...sql, query, transaction }) as unknown as Sql
}
