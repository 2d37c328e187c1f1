// Builds the dashboard page (src/dashboard-ui) into public/, which wrangler.toml's [assets] serves as Workers Static
// Assets: /dashboard (public/dashboard.html) and /dashboard/assets/app.{js,css}. One esbuild run, no CDN: uPlot and
// the typed client are bundled in, so the page works offline and adds nothing to the Worker's bundle.
// wrangler.toml's [build] command runs it before every `wrangler dev` (npm run dev), `wrangler deploy` and
// `npm run build`; `--watch` rebuilds on change.
import { copyFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src', 'dashboard-ui')
const out = join(root, 'public', 'dashboard', 'assets')
mkdirSync(out, { recursive: true })

const started = Date.now()
await build({
  entryPoints: { app: join(src, 'main.ts'), style: join(src, 'style.css') },
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: 'linked',
  format: 'esm',
  target: ['es2022'],
  platform: 'browser',
  legalComments: 'none',
  logLevel: 'warning',
})
copyFileSync(join(src, 'index.html'), join(root, 'public', 'dashboard.html'))
console.log(`dashboard built into public/ in ${Date.now() - started} ms`)
