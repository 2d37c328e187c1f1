// `npm run openapi` writes the app's OpenAPI document to dist/openapi.json, the file clients in other languages are
// generated from. `npm run lint:openapi` (part of `npm run check`) then lints it with Redocly's recommended rules,
// offline, failing on any error or warning, and proves a client can be generated from it: openapi-typescript writes
// dist/openapi.d.ts, and test/openapi-client/usage.ts must type-check against it (including a refused extra field).
// JavaScript run by tsx, not TypeScript: it imports the Worker's source, whose types (Env, Durable Objects) are the
// Workers runtime's, which tsconfig.node.json's Node types cannot check.
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { app } from '../src/app.ts'
import { openApiDocument } from '../src/lib/openapi.ts'

const OUT = 'dist/openapi.json'
mkdirSync('dist', { recursive: true })
writeFileSync(OUT, `${JSON.stringify(openApiDocument(app), null, 2)}\n`)
console.log(`wrote ${OUT}`)

const run = (command, args, env = {}) => {
  const res = spawnSync(command, args, { stdio: 'inherit', env: { ...process.env, ...env } })
  if (res.status !== 0) process.exit(res.status ?? 1)
}

if (process.argv.includes('--lint')) {
  const offline = { REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }
  run(
    'node_modules/.bin/redocly',
    ['lint', OUT, '--config', 'redocly-lint.yaml', '--format', 'stylish', '--max-problems', '1000'],
    offline,
  )
  run('node_modules/.bin/openapi-typescript', [OUT, '--output', 'dist/openapi.d.ts'])
  run('node_modules/.bin/tsc', ['--noEmit', '-p', 'test/openapi-client/tsconfig.json'])
  console.log('a client generated from the document type-checks (test/openapi-client/usage.ts)')
}
