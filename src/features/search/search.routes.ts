import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses as e, jsonContent, successSchema } from '../../lib/envelope'
import { pageSchema } from '../../lib/pagination'
import { requireAuth } from '../../lib/auth'
import * as s from './search.schemas'

const tags = ['Search']
const security = [{ bearerAuth: [] }]
const middleware = requireAuth()

export const search = createRoute({
  method: 'get',
  path: '/search',
  tags,
  security,
  middleware,
  summary:
    'Full-text and typo-tolerant search over what you may read (users: admins and moderators; devices: your scope)',
  request: { query: s.SearchQuery },
  responses: { 200: jsonContent(pageSchema(s.SearchHitSchema), 'A page of hits'), ...e(401, 422) },
})

export const autocomplete = createRoute({
  method: 'get',
  path: '/search/autocomplete',
  tags,
  security,
  middleware,
  summary: 'Suggestions for what is being typed (at least 2 characters)',
  request: { query: s.AutocompleteQuery },
  responses: {
    200: jsonContent(successSchema(z.array(s.SuggestionSchema)), 'Suggestions, best first'),
    ...e(401, 422),
  },
})
