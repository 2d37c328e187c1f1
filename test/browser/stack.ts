/**
 * The local stack the browser tests drive, started the way `npm run dev` starts it (scripts/dev.ts): an embedded
 * Postgres in a temporary directory, migrated and seeded, the Neon proxy, the demo cron target, and `wrangler dev`
 * (which runs wrangler.toml's [build] command, so the page is built exactly as a developer gets it). In front of
 * wrangler sits a TCP relay the tests can cut: `dropSockets()` ends every WebSocket connection from the server side.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startEchoServer } from '../../scripts/echo-server'
import { ensureDatabase, freePort, startPostgres, startWsProxy } from '../../scripts/local-stack'
import { migrateDatabase } from '../../scripts/migrate'
import { seed } from '../../scripts/seed'

export type Stack = Awaited<ReturnType<typeof startStack>>

async function waitFor(url: string, wrangler: ChildProcess, log: string[], timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (wrangler.exitCode !== null) throw new Error(`wrangler dev exited (${wrangler.exitCode}):\n${log.join('')}`)
    try {
      if ((await fetch(url)).ok) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300))
  }
  throw new Error(`wrangler dev did not answer within ${timeoutMs / 1000} s:\n${log.slice(-40).join('')}`)
}

/** A TCP relay to `target`; upgraded (WebSocket) connections can be cut, and refused for a while. */
async function startRelay(target: number) {
  const sockets = new Set<{ client: net.Socket; upstream: net.Socket; upgraded: boolean }>()
  let refuseUntil = 0
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1')
    const pair = { client, upstream, upgraded: false }
    sockets.add(pair)
    client.once('data', (first) => {
      pair.upgraded = /^upgrade:\s*websocket/im.test(first.toString('latin1'))
      if (pair.upgraded && Date.now() < refuseUntil) return client.destroy()
      upstream.write(first)
      client.pipe(upstream)
      upstream.pipe(client)
    })
    const end = () => {
      sockets.delete(pair)
      client.destroy()
      upstream.destroy()
    }
    client.on('error', end).on('close', end)
    upstream.on('error', end).on('close', end)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  return {
    port,
    /** Ends every WebSocket connection (no close frame: the browser sees 1006) and refuses new ones for `ms`. */
    dropSockets(ms = 0) {
      refuseUntil = Date.now() + ms
      let n = 0
      for (const pair of sockets)
        if (pair.upgraded) {
          pair.client.destroy()
          pair.upstream.destroy()
          n++
        }
      return n
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const pair of sockets) pair.client.destroy()
        server.close(() => resolve())
      }),
  }
}

export async function startStack() {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-browser-'))
  const stops: (() => Promise<unknown>)[] = []
  const stop = async () => {
    for (const s of stops.splice(0).reverse()) await s().catch(() => undefined)
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 })
  }
  try {
    const pg = await startPostgres({ dir: join(dir, 'pg'), port: await freePort(), persistent: false, quiet: true })
    stops.push(() => pg.stop())
    await ensureDatabase(pg.url('postgres'), 'outpost')
    await migrateDatabase(pg.url('outpost'))
    const echo = await startEchoServer(0)
    stops.push(() => echo.close())
    const seeded = await seed(pg.url('outpost'), { echoUrl: echo.url, keysFile: join(dir, 'device-keys.json') })
    const proxy = await startWsProxy(await freePort())
    stops.push(() => proxy.close())

    const port = await freePort()
    const vars = {
      ENVIRONMENT: 'development',
      LOG_LEVEL: 'error',
      DATABASE_URL: pg.url('outpost'),
      DATABASE_WS_PROXY: `127.0.0.1:${proxy.port}`,
      JWT_SECRET: randomBytes(48).toString('base64url'),
      RATE_LIMIT_API: '1000000/900',
      RATE_LIMIT_LOGIN_IP: '1000000/900',
      RATE_LIMIT_LOGIN_FAILURES: '1000000/900',
    }
    const args = ['dev', '--port', String(port), '--ip', '127.0.0.1', '--persist-to', join(dir, 'wrangler')]
    args.push('--show-interactive-dev-session=false', '--inspector-port', String(await freePort()))
    for (const [k, v] of Object.entries(vars)) args.push('--var', `${k}:${v}`)
    const log: string[] = []
    const wrangler = spawn(join('node_modules', '.bin', 'wrangler'), args, {
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    wrangler.stdout?.on('data', (d: Buffer) => log.push(d.toString()))
    wrangler.stderr?.on('data', (d: Buffer) => log.push(d.toString()))
    stops.push(async () => {
      if (wrangler.exitCode !== null || !wrangler.pid) return
      process.kill(-wrangler.pid, 'SIGTERM')
      await new Promise((r) => {
        wrangler.once('exit', r)
        setTimeout(r, 5000)
      })
    })
    await waitFor(`http://127.0.0.1:${port}/api/v1/health/liveness`, wrangler, log)
    const relay = await startRelay(port)
    stops.push(() => relay.close())
    const url = `http://127.0.0.1:${relay.port}`

    const api = async <T = unknown>(path: string, init: RequestInit & { token?: string } = {}) => {
      const headers = new Headers(init.headers)
      if (init.token) headers.set('authorization', `Bearer ${init.token}`)
      if (init.body) headers.set('content-type', 'application/json')
      const res = await fetch(`${url}/api/v1${path}`, { ...init, headers })
      const body = (await res.json()) as { data: T }
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path} -> ${res.status} ${JSON.stringify(body)}`)
      return body.data
    }
    const login = async (email: string) => {
      const user = seeded.users.find((u) => u.email === email)
      if (!user) throw new Error(`no demo user ${email}`)
      return api<{ accessToken: string }>('/auth/login', {
        method: 'POST',
        body: JSON.stringify({ email, password: user.password }),
      }).then((d) => d.accessToken)
    }
    /** Posts one reading from a seeded device, with its key, as the device would. */
    const postReading = async (serial: string, temperature: number, recordedAt = new Date().toISOString()) => {
      const device = seeded.devices.find((d) => d.serialNumber === serial)
      if (!device) throw new Error(`no demo device ${serial}`)
      const res = await fetch(`${url}/api/v1/readings/devices/${serial}/readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-device-key': device.key },
        body: JSON.stringify({ temperature, powerStatus: true, batteryLevel: 80, recordedAt }),
      })
      if (res.status !== 202) throw new Error(`reading -> ${res.status} ${await res.text()}`)
    }
    return { url, seeded, relay, api, login, postReading, stop }
  } catch (err) {
    await stop()
    throw err
  }
}
