import { createRouter } from '../../lib/create-router'
import * as h from './docs.handlers'
import * as r from './docs.routes'

/** `/`, `/openapi.json` and `/docs`. `document` builds the spec from the fully mounted app. */
export function docsRouter(document: () => unknown) {
  return createRouter()
    .openapi(r.root, h.root)
    .openapi(r.openapi, h.openapi(document))
    .openapi(r.docs, h.docs)
    .openapi(r.asset, h.asset)
}
