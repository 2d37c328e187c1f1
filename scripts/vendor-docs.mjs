// Gives the Swagger UI bundle a .txt twin inside node_modules/swagger-ui-dist, which wrangler and the
// test pool import as Text modules (`swagger-ui-dist/swagger-ui-bundle.js.txt`): /docs is then served
// by the Worker itself, never a CDN, and no third-party code is copied into src/.
// (Workers static assets would also work, but wrangler 4.86's local scheduled handler breaks when
// [assets] is configured: workers-sdk#9882.) Runs on `npm ci` / `npm install` (postinstall).
import { copyFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css']) copyFileSync(join(dist, file), join(dist, `${file}.txt`))
