/**
 * A local HTTP target for user cron jobs: the demo target of `npm run dev` and the real server the
 * tests call. It records every hit (method, path, headers, body) so callers can count deliveries.
 *   /ok                     200
 *   /status/<code>          that status (?retryAfter=<s> adds Retry-After)
 *   /slow?ms=<n>            answers after n ms
 *   /redirect               302 to /ok
 *   /big?kb=<n>             n KiB of body
 *   /trickle?ms=<n>&n=<k>   200 at once, then one byte every n ms, k times (a body slower than a timeout)
 *   /hangup                 200 promising 1 MiB, then closes the connection after 10 bytes
 *   /__hits?path=<prefix>   the recorded hits as JSON (not recorded itself)
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export type Hit = { method: string; path: string; headers: Record<string, string>; body: string; at: number }
export type EchoServer = { url: string; hits: Hit[]; close: () => Promise<void> }

export async function startEchoServer(port = 0): Promise<EchoServer> {
  const hits: Hit[] = []
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://echo')
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (url.pathname === '/__hits') {
        const prefix = url.searchParams.get('path') ?? ''
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify(hits.filter((h) => h.path.startsWith(prefix))))
      }
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      )
      hits.push({
        method: req.method ?? 'GET',
        path: url.pathname + url.search,
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
      })
      const [, route, arg] = url.pathname.split('/')
      if (route === 'status') {
        const extra: Record<string, string> = url.searchParams.has('retryAfter')
          ? { 'retry-after': url.searchParams.get('retryAfter')! }
          : {}
        res.writeHead(Number(arg) || 500, extra)
        return res.end(`status ${arg}`)
      }
      if (route === 'slow') {
        return void setTimeout(() => res.writeHead(200).end('slow'), Number(url.searchParams.get('ms') ?? 1000))
      }
      if (route === 'redirect') return void res.writeHead(302, { location: '/ok' }).end()
      if (route === 'trickle') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        let left = Number(url.searchParams.get('n') ?? 20)
        const timer = setInterval(
          () => {
            if (left-- > 0 && !res.destroyed) return void res.write('.')
            clearInterval(timer)
            res.end()
          },
          Number(url.searchParams.get('ms') ?? 500),
        )
        return
      }
      if (route === 'hangup') {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(1024 * 1024) })
        return void res.write('x'.repeat(10), () => res.destroy())
      }
      if (route === 'big') {
        res.writeHead(200, { 'content-type': 'text/plain' })
        return res.end('x'.repeat(Number(url.searchParams.get('kb') ?? 100) * 1024))
      }
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ ok: true, path: url.pathname }))
    })
  })
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  const { port: bound } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${bound}`,
    hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
