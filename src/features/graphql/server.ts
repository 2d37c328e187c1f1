import { createYoga, type Plugin } from 'graphql-yoga'
import { buildSchema, GraphQLError, type GraphQLFieldResolver, NoSchemaIntrospectionCustomRule } from 'graphql'
import { ApiError } from '../../lib/errors'
import { errorFields, log } from '../../lib/logger'
import { typeDefs } from './graphql.sdl'
import { limitsRule } from './limits'
import { resolvers, type GqlContext } from './resolvers'

export const GRAPHQL_PATH = '/api/v1/graphql'

/**
 * The SDL with the resolvers set on its fields: all that graphql-tools' `makeExecutableSchema` (yoga's
 * `createSchema`) would do here, without its ~13 KiB of gzip in the Worker (docs/decisions.md).
 */
function executableSchema() {
  const schema = buildSchema(typeDefs)
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName)
    if (!type || !('getFields' in type)) throw new Error(`resolvers name ${typeName}, which the SDL has not`)
    for (const [name, resolve] of Object.entries(fields)) {
      const field = type.getFields()[name]
      if (!field || !('resolve' in field)) throw new Error(`resolvers name ${typeName}.${name}, which the SDL has not`)
      field.resolve = resolve as GraphQLFieldResolver<unknown, GqlContext>
    }
  }
  return schema
}

const schema = executableSchema()

/** Depth and cost limits always; introspection only in development. */
function validationRules(dev: boolean): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(limitsRule)
      if (!dev) addValidationRule(NoSchemaIntrospectionCustomRule)
    },
  }
}

/**
 * An ApiError from a service keeps its code (and details) in `extensions`, the same codes as REST;
 * anything else is masked, never showing a stack trace.
 */
function maskError(error: unknown, message: string): Error {
  const original = error instanceof GraphQLError ? error.originalError : error
  if (original instanceof ApiError)
    return new GraphQLError(original.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: {
        code: original.code,
        status: original.status,
        ...(original.details && { details: original.details }),
      },
    })
  if (error instanceof GraphQLError && !error.originalError) return error
  log('error', 'graphql resolver failed', errorFields(original))
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_ERROR' } })
}

function build(dev: boolean) {
  return createYoga<GqlContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    graphiql: dev,
    landingPage: false,
    // Unexpected errors are logged by maskError; a refusal (404, 403…) is an answer, not a fault.
    logging: false,
    maskedErrors: { maskError },
    plugins: [validationRules(dev)],
  })
}

// One per isolate and mode: building the schema per request would cost more than most queries.
const servers = new Map<boolean, ReturnType<typeof build>>()

/** The Yoga server, with GraphiQL and introspection when `dev`. */
export function graphqlServer(dev: boolean) {
  let server = servers.get(dev)
  if (!server) servers.set(dev, (server = build(dev)))
  return server
}
