import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, jsonBody } from '../../lib/envelope'

const tags = ['GraphQL']
// Optional: anonymous callers get what REST gives them; a token that is sent must be valid.
const security: Record<string, string[]>[] = [{}, { bearerAuth: [] }]

const GraphqlRequest = z
  .object({
    query: z.string().max(20_000),
    variables: z.record(z.string(), z.unknown()).nullish(),
    operationName: z.string().max(200).nullish(),
    extensions: z.record(z.string(), z.unknown()).nullish(),
  })
  .openapi('GraphqlRequest')

const GraphqlResponse = z
  .object({
    data: z.record(z.string(), z.unknown()).nullish(),
    errors: z
      .array(
        z.object({
          message: z.string(),
          path: z.array(z.union([z.string(), z.number()])).optional(),
          extensions: z.object({ code: z.string() }).partial().optional(),
        }),
      )
      .optional(),
  })
  .openapi('GraphqlResponse')

const responses = {
  200: {
    description: 'A GraphQL result: `data`, and `errors` whose `extensions.code` is the REST error code',
    content: { 'application/json': { schema: GraphqlResponse } },
  },
  ...errorResponses(401, 429),
}

export const post = createRoute({
  method: 'post',
  path: '/graphql',
  tags,
  security,
  summary: 'GraphQL: users, posts, projects, members and tasks, with the same rules as REST',
  description:
    'Depth is limited to 8 and cost to 5000 (each field 1, times the size of every list above it). The schema is at /api/v1/graphql/schema.graphql; GraphiQL and introspection exist in development only.',
  request: jsonBody(GraphqlRequest),
  responses,
})

export const get = createRoute({
  method: 'get',
  path: '/graphql',
  tags,
  security,
  summary: 'GraphQL queries over GET (no mutations); GraphiQL in development',
  request: {
    query: z.object({
      query: z.string().max(20_000).optional(),
      variables: z.string().max(20_000).optional(),
      operationName: z.string().max(200).optional(),
    }),
  },
  responses,
})

export const sdl = createRoute({
  method: 'get',
  path: '/graphql/schema.graphql',
  tags,
  summary: 'The GraphQL schema (SDL)',
  responses: { 200: { description: 'The SDL', content: { 'text/plain': { schema: z.string() } } } },
})
