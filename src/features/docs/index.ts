import { createRouter } from '../../lib/create-router'
import { ok } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import * as routes from './docs.routes'

import swaggerJs from 'swagger-ui-dist/swagger-ui-bundle.js.txt'
import swaggerCss from 'swagger-ui-dist/swagger-ui.css.txt'

// Bundled into the Worker (see scripts/vendor-docs.mjs), so the page works with no internet.
const ASSETS = {
  'swagger-ui-bundle.js': { body: swaggerJs, type: 'text/javascript; charset=utf-8' },
  'swagger-ui.css': { body: swaggerCss, type: 'text/css; charset=utf-8' },
} as const

const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Outpost API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script>
    window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, persistAuthorization: true })
  </script>
</body>
</html>`

/** `/`, `/openapi.json` and `/docs`. `document` builds the spec from the fully mounted app. */
export function docsRouter(document: () => unknown) {
  return createRouter()
    .openapi(routes.root, (c) => {
      const config = c.get('config')
      return ok(c, {
        name: config.APP_NAME,
        version: config.APP_VERSION,
        environment: config.ENVIRONMENT,
        links: { api: '/api/v1', health: '/api/v1/health', openapi: '/openapi.json', docs: '/docs' },
      })
    })
    .openapi(routes.openapi, (c) => c.json(document() as Record<string, unknown>, 200))
    .openapi(routes.docs, (c) => c.html(page, 200))
    .openapi(routes.asset, (c) => {
      const { file } = c.req.valid('param')
      if (!Object.hasOwn(ASSETS, file)) throw ApiError.notFound(`Asset ${file}`)
      const asset = ASSETS[file as keyof typeof ASSETS]
      return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=86400' })
    })
}
