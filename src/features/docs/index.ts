import { createRouter } from '../../lib/create-router'
import { ok } from '../../lib/envelope'
import * as routes from './docs.routes'

// The assets come from public/docs/assets (Workers static assets, copied from swagger-ui-dist
// at install), so the page works with no internet.
const page = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Outpost API reference</title>
  <link rel="icon" href="/docs/assets/favicon-32x32.png">
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
}
