// Copies the Swagger UI assets into public/ so /docs is served by the Worker's own static assets, never a CDN.
import { cpSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
let src
try {
  src = dirname(require.resolve('swagger-ui-dist/package.json'))
} catch {
  // Production installs (--omit=dev) have no swagger-ui-dist; wrangler deploy runs from a full install.
  process.exit(0)
}
const out = join(root, 'public', 'docs', 'assets')
mkdirSync(out, { recursive: true })
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'favicon-32x32.png']) {
  if (existsSync(join(src, file))) cpSync(join(src, file), join(out, file))
}
