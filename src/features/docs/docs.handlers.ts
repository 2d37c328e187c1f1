import { ok } from '../../lib/envelope'
import { ApiError } from '../../lib/errors'
import type { Handler } from '../../lib/types'
import * as r from './docs.routes'

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

export const root: Handler<typeof r.root> = (c) => {
  const config = c.get('config')
  return ok(c, {
    name: config.APP_NAME,
    version: config.APP_VERSION,
    environment: config.ENVIRONMENT,
    links: { api: '/api/v1', health: '/api/v1/health', openapi: '/openapi.json', docs: '/docs' },
  })
}

/** The spec is built from the fully mounted app, which only the caller of `docsRouter` has. */
export const openapi =
  (document: () => unknown): Handler<typeof r.openapi> =>
  (c) =>
    c.json(document() as Record<string, unknown>, 200)

export const docs: Handler<typeof r.docs> = (c) => c.html(page, 200)

export const asset: Handler<typeof r.asset> = async (c) => {
  // Deployed and under `wrangler dev`, the static-assets router answers these before the Worker runs
  // (wrangler.toml [assets], filled by scripts/vendor-docs.mjs); what still reaches the Worker (tests) is forwarded.
  const { file } = c.req.valid('param')
  const known = (r.ASSET_FILES as readonly string[]).includes(file)
  const res = known ? await c.get('config').bindings.ASSETS?.fetch(c.req.raw) : undefined
  if (!res?.ok) throw ApiError.notFound(`Asset ${file}`)
  return res
}
