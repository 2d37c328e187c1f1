// Copies Swagger UI's script and stylesheet from swagger-ui-dist into public/docs/assets/, which wrangler.toml's
// [assets] serves as Workers Static Assets: /docs works with no internet, no third-party code is committed, and the
// 1.9 MB of Swagger UI stays out of the Worker bundle (and its cold start). Runs on `npm ci` / `npm install`.
import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'docs', 'assets')
mkdirSync(out, { recursive: true })
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) copyFileSync(join(dist, file), join(out, file))
