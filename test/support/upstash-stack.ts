/**
 * A throwaway Redis for the test suite, fronted by a local server that speaks the Upstash Redis
 * REST protocol, so `@upstash/redis` / `@upstash/ratelimit` run unmodified against it.
 * Runs in Node (vitest globalSetup), never inside workerd.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { accessSync, constants } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import { delimiter, join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'

export type UpstashStack = { url: string; token: string; redisPort: number; stop: () => Promise<void> }

// ---- Minimal RESP2 client --------------------------------------------------------------------

class RedisReplyError extends Error {}
/** Simple strings are `string`, bulk strings stay `Buffer` (they may be binary). */
type Reply = string | Buffer | number | null | RedisReplyError | Reply[]
type Json = string | number | null | Json[]

function encodeCommand(args: string[]): Buffer {
  const parts = [`*${args.length}\r\n`]
  for (const arg of args) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`)
  return Buffer.from(parts.join(''))
}

/** Parses one reply starting at `pos`; null when the buffer does not hold a complete reply yet. */
function parseReply(buf: Buffer, pos: number): { value: Reply; end: number } | null {
  const eol = buf.indexOf('\r\n', pos)
  if (eol < 0) return null
  const type = buf.toString('latin1', pos, pos + 1)
  const line = buf.toString('utf8', pos + 1, eol)
  const next = eol + 2
  switch (type) {
    case '+':
      return { value: line, end: next }
    case '-':
      return { value: new RedisReplyError(line), end: next }
    case ':':
      return { value: Number(line), end: next }
    case '$': {
      const len = Number(line)
      if (len < 0) return { value: null, end: next }
      if (buf.length < next + len + 2) return null
      return { value: buf.subarray(next, next + len), end: next + len + 2 }
    }
    case '*': {
      const count = Number(line)
      if (count < 0) return { value: null, end: next }
      const items: Reply[] = []
      let at = next
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, at)
        if (!item) return null
        items.push(item.value)
        at = item.end
      }
      return { value: items, end: at }
    }
    default:
      throw new Error(`Unexpected RESP type byte ${JSON.stringify(type)}`)
  }
}

/** One socket; replies are matched to requests through a FIFO, as Redis answers in order. */
class RespConnection {
  closed = false
  private buf: Buffer = Buffer.alloc(0)
  private pending: { resolve: (r: Reply) => void; reject: (e: Error) => void }[] = []

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk
      try {
        for (let r = parseReply(this.buf, 0); r; r = parseReply(this.buf, 0)) {
          this.buf = this.buf.subarray(r.end)
          this.pending.shift()?.resolve(r.value)
        }
      } catch (err) {
        socket.destroy(err as Error)
      }
    })
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new Error('Redis connection closed')))
  }

  static open(port: number): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        socket.setNoDelay(true)
        resolve(new RespConnection(socket))
      })
    })
  }

  /** Writes all commands in one go so they reach Redis back to back, in order. */
  send(commands: string[][]): Promise<Reply[]> {
    if (this.closed) return Promise.reject(new Error('Redis connection closed'))
    const replies = commands.map(() => new Promise<Reply>((resolve, reject) => this.pending.push({ resolve, reject })))
    this.socket.write(Buffer.concat(commands.map(encodeCommand)))
    return Promise.all(replies)
  }

  private fail(err: Error) {
    this.closed = true
    for (const p of this.pending.splice(0)) p.reject(err)
  }

  close(): Promise<void> {
    if (this.socket.destroyed) return Promise.resolve()
    return new Promise((resolve) => this.socket.once('close', () => resolve()).destroy())
  }
}

// ---- Upstash REST encoding --------------------------------------------------------------------

/**
 * With `Upstash-Encoding: base64`, Upstash base64-encodes every string in the result (bulk and
 * simple, nested too) except a top-level "OK": its docs say so, and @upstash/redis decodes a bare
 * "OK" as-is but base64-decodes every other string (inside arrays without exception).
 */
function toJson(reply: Reply, base64: boolean, topLevel = true): Json {
  if (reply === null || typeof reply === 'number') return reply
  if (Array.isArray(reply)) return reply.map((r) => toJson(r, base64, false))
  const text = reply instanceof RedisReplyError ? reply.message : reply
  if (!base64 || (topLevel && text === 'OK')) return text.toString()
  return Buffer.from(text).toString('base64')
}

const outcome = (reply: Reply, base64: boolean) =>
  reply instanceof RedisReplyError ? { error: reply.message } : { result: toJson(reply, base64) }

/** A command is a non-empty JSON array of scalars; numbers/booleans go to Redis as strings. */
function toCommand(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('ERR a command must be a non-empty JSON array')
  return value.map((arg: unknown) => {
    if (typeof arg === 'string' || typeof arg === 'number' || typeof arg === 'boolean') return String(arg)
    throw new Error(`ERR unsupported command argument: ${JSON.stringify(arg)}`)
  })
}

function toCommands(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0)
    throw new Error('ERR body must be a non-empty JSON array of commands')
  return value.map(toCommand)
}

// ---- Upstash-only Lua flags ------------------------------------------------------------------

/**
 * @upstash/ratelimit's scripts start with `#!lua flags=allow-key-locking`, an Upstash extension
 * that stock Redis rejects ("Unexpected flag in script shebang"). Single-threaded Redis has nothing
 * to lock, so the flag is dropped. Redis then stores the script under a different SHA1 than the
 * hard-coded one the client passes to EVALSHA, so sent->stored SHAs are remembered and translated.
 */
const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking'])
const storedSha = new Map<string, string>() // sha1(script as sent) -> sha1(script Redis stored)
const sha1 = (text: string) => createHash('sha1').update(text).digest('hex')

function stripUpstashFlags(script: string): string {
  const firstLine = script.split('\n', 1)[0] ?? ''
  if (!firstLine.startsWith('#!')) return script
  const fixed = firstLine.replace(/\bflags=(\S*)/, (_m, flags: string) => {
    const kept = flags.split(',').filter((f) => f && !UPSTASH_ONLY_FLAGS.has(f))
    return kept.length ? `flags=${kept.join(',')}` : ''
  })
  return fixed + script.slice(firstLine.length)
}

type Adapted = { command: string[]; fixReply: (reply: Reply) => Reply }

function adaptScriptCommand(command: string[]): Adapted {
  const name = `${command[0]} ${command[1] ?? ''}`.toUpperCase()
  const scriptAt = /^EVAL(_RO)? /.test(name) ? 1 : name === 'SCRIPT LOAD' ? 2 : -1
  const script = command[scriptAt]
  if (script !== undefined) {
    const stripped = stripUpstashFlags(script)
    if (stripped === script) return { command, fixReply: (r) => r }
    const sent = sha1(script)
    storedSha.set(sent, sha1(stripped))
    const adapted = command.map((arg, i) => (i === scriptAt ? stripped : arg))
    // SCRIPT LOAD must answer with the SHA the caller will later pass to EVALSHA.
    return { command: adapted, fixReply: (r) => (scriptAt === 2 && r instanceof Buffer ? sent : r) }
  }
  const isEvalsha = /^EVALSHA(_RO)? /.test(name)
  if (!isEvalsha && name !== 'SCRIPT EXISTS') return { command, fixReply: (r) => r }
  const isSha = (i: number) => (isEvalsha ? i === 1 : i >= 2)
  return {
    command: command.map((arg, i) => (isSha(i) ? (storedSha.get(arg.toLowerCase()) ?? arg) : arg)),
    fixReply: (r) => r,
  }
}

// ---- Processes and servers --------------------------------------------------------------------

function onPath(bin: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, bin), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** Spawns redis-server and resolves once it answers PING; rejects with its log if it dies first. */
async function startRedis(port: number): Promise<{ child: ChildProcess; exited: Promise<void> }> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no']
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  let failure: Error | undefined
  const collect = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000))
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  child.once('error', (err) => (failure = new Error(`Could not spawn redis-server: ${err.message}`)))
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      failure ??= new Error(
        `redis-server exited during startup (${signal ?? `exit code ${code}`}). Its output:\n${log}`,
      )
      resolve()
    }),
  )
  for (const deadline = Date.now() + 10_000; ; await sleep(50)) {
    if (failure) throw failure
    try {
      const conn = await RespConnection.open(port)
      const [pong] = await conn.send([['PING']]).finally(() => conn.close())
      if (pong === 'PONG') return { child, exited }
    } catch {
      // Not listening yet: retry until the deadline.
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL')
      throw new Error(`redis-server on port ${port} did not answer PING within 10s. Its output:\n${log}`)
    }
  }
}

/**
 * Starts redis-server (if on PATH) and a local HTTP server speaking the Upstash Redis REST protocol
 * in front of it. Resolves null, after one line on stderr, when redis-server is not on the PATH.
 */
export async function startUpstashStack(): Promise<UpstashStack | null> {
  if (!onPath('redis-server')) {
    process.stderr.write(
      'redis-server was not found on PATH; Upstash/Redis tests are skipped (install it with: apt-get install redis-server)\n',
    )
    return null
  }
  const redisPort = await freePort()
  const { child, exited } = await startRedis(redisPort)
  // If the test process dies without running stop(), do not leave redis-server behind.
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)

  // A small pool: each HTTP request gets a connection to itself, so a MULTI..EXEC block is never
  // interleaved with another request's commands and a blocking command only stalls its own request.
  const idle: RespConnection[] = []
  const all = new Set<RespConnection>()
  async function run(commands: string[][]): Promise<Reply[]> {
    let conn = idle.pop()
    while (conn?.closed) conn = idle.pop()
    if (!conn) all.add((conn = await RespConnection.open(redisPort)))
    try {
      return await conn.send(commands)
    } finally {
      if (!conn.closed) idle.push(conn)
    }
  }

  const token = randomBytes(24).toString('hex')
  const server = http.createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      handle(req, Buffer.concat(chunks).toString('utf8'))
        .then(([status, body]) => reply(status, body))
        .catch((err: Error) => (res.headersSent ? res.destroy() : reply(500, { error: err.message })))
    })
  })

  async function handle(req: http.IncomingMessage, raw: string): Promise<[number, unknown]> {
    if (req.headers.authorization !== `Bearer ${token}`) return [401, { error: 'Unauthorized' }]
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (req.method !== 'POST' || !['/', '/pipeline', '/multi-exec'].includes(path)) return [404, { error: 'Not Found' }]
    const base64 = req.headers['upstash-encoding'] === 'base64'
    let commands: Adapted[]
    try {
      const body: unknown = JSON.parse(raw)
      commands = (path === '/' ? [toCommand(body)] : toCommands(body)).map(adaptScriptCommand)
    } catch (err) {
      return [400, { error: (err as Error).message }]
    }
    const results = (replies: Reply[]) => replies.map((r, i) => outcome(commands[i]?.fixReply(r) ?? r, base64))
    const toRedis = commands.map((c) => c.command)

    if (path === '/') {
      const [out = { error: 'no reply' }] = results(await run(toRedis))
      return ['error' in out ? 400 : 200, out]
    }
    if (path === '/pipeline') return [200, results(await run(toRedis))]

    const replies = await run([['MULTI'], ...toRedis, ['EXEC']])
    const exec = replies[replies.length - 1] ?? null
    if (exec instanceof RedisReplyError) {
      // EXECABORT: some command failed to queue; report that command's error, not the generic one.
      const queued = replies.slice(1, -1).find((r) => r instanceof RedisReplyError)
      return [400, { error: (queued ?? exec).message }]
    }
    if (!Array.isArray(exec)) return [500, { error: 'EXEC returned no results' }]
    return [200, results(exec)]
  }

  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve)).catch(
    (err) => {
      child.kill('SIGKILL')
      throw err
    },
  )
  const { port } = server.address() as net.AddressInfo

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    redisPort,
    stop: async () => {
      process.off('exit', killOnExit)
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections() // fetch keeps connections alive; do not wait for them to idle out
      await closed
      await Promise.all([...all].map((c) => c.close()))
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
    },
  }
}
