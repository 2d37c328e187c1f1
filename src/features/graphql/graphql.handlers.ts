import type { Context } from 'hono'
import { printSchema } from 'graphql'
import { authenticate, claimsOf } from '../../lib/auth'
import type { AppEnv, Handler } from '../../lib/types'
import type * as r from './graphql.routes'
import { createLoaders } from './loaders'
import type { GqlContext } from './resolvers'
import { graphqlServer } from './server'

/**
 * The caller, when a bearer token came: an invalid one is a 401 like on every route; without one,
 * every field answers UNAUTHORIZED (and GraphiQL loads in development).
 */
async function contextOf(c: Context<AppEnv>): Promise<GqlContext> {
  const claims = await claimsOf(c)
  if (!claims) return { c }
  const caller = await authenticate(c, claims)
  return { c, caller, loaders: createLoaders(c.get('db'), caller) }
}

const serve = async (c: Context<AppEnv>, request: Request) =>
  graphqlServer(c.get('config').isDev).fetch(request, await contextOf(c))

export const post: Handler<typeof r.post> = async (c) => {
  // The body was read and checked by the route's schema; Yoga gets it again as a fresh request.
  const request = new Request(c.req.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: c.req.header('accept') ?? 'application/json' },
    body: JSON.stringify(c.req.valid('json')),
  })
  return serve(c, request) as never
}

export const get: Handler<typeof r.get> = async (c) => serve(c, c.req.raw) as never

export const sdl: Handler<typeof r.sdl> = async (c) =>
  c.text(printSchema(graphqlServer(false).getEnveloped().schema), 200, { 'content-type': 'text/plain; charset=utf-8' })
