import { createRouter } from '../../lib/create-router'
import * as h from './graphql.handlers'
import * as r from './graphql.routes'

export const graphqlRouter = createRouter().openapi(r.sdl, h.sdl).openapi(r.post, h.post).openapi(r.get, h.get)
