/**
 * `npm run build` (part of `npm run check`): bundles the Worker exactly as `wrangler deploy` would, into a clean
 * dist/, then prints what the Worker weighs, raw and gzipped (the figure Cloudflare's size limit counts, and what
 * every cold start loads). Static assets (public/, wrangler.toml [assets]) are uploaded apart and are not in it.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'

const DIST = 'dist'
/** The Worker's gzip budget (issue 11). Going over it prints a warning; docs/decisions.md says what to cut first. */
const GZIP_BUDGET_KIB = 400

// wrangler leaves modules of earlier builds in --outdir, which would then be counted.
rmSync(DIST, { recursive: true, force: true })
const res = spawnSync('node_modules/.bin/wrangler', ['deploy', '--dry-run', '--outdir', DIST], {
  stdio: 'inherit',
  env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
})
if (res.status !== 0) process.exit(res.status ?? 1)

const modules = readdirSync(DIST).filter((f) => !f.endsWith('.map') && f !== 'README.md')
let raw = 0
let gzip = 0
for (const file of modules) {
  const bytes = readFileSync(join(DIST, file))
  raw += bytes.length
  gzip += gzipSync(bytes).length
}
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`
const over = gzip > GZIP_BUDGET_KIB * 1024
console.log(
  `\n${over ? '\x1b[33m⚠' : '\x1b[32m✓'}\x1b[0m Worker: ${kib(gzip)} gzip (${kib(raw)} raw, ${modules.length} ` +
    `module${modules.length === 1 ? '' : 's'}); budget ${GZIP_BUDGET_KIB} KiB gzip${over ? ' EXCEEDED' : ''}`,
)
