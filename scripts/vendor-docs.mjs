// Copies the Swagger UI bundle into src/features/docs/vendor/ as .txt files, which wrangler and
// the test pool import as Text modules: /docs is then served by the Worker itself, never a CDN.
// (Workers static assets would also work, but wrangler 4.86's local scheduled handler breaks
// when [assets] is configured: workers-sdk#9882.) Runs on `npm ci` / `npm install` (postinstall).
import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
const out = join(root, 'src', 'features', 'docs', 'vendor')
mkdirSync(out, { recursive: true })
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) copyFileSync(join(src, file), join(out, `${file}.txt`))
