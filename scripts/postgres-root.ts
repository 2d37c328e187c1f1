/**
 * Postgres refuses to run as root, so as root it runs as the `postgres` user (created when missing). That user
 * must reach the binaries and the data directory by path, which fails from a checkout others cannot enter
 * (root's home, a `mktemp -d` folder: mode 700) with `spawn …/initdb EACCES`. So each start as root gets a run
 * directory under the temp directory (root's, mode 755) holding hard links (or copies) of the package's
 * binaries, and, when the postgres user cannot reach the requested data directory, the data too: copied in at
 * start and back at stop. The run directory is removed at stop, on exit, and after a crash by the next start.
 */
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { canEnter, chownTree, type Ids, makeRunDir, postgresUser, remove } from './postgres-run-dir'

// lc_messages=C: readiness is detected from the English "ready to accept connections" line.
const env = () => ({ ...process.env, LC_MESSAGES: 'C' })

function killGroup(pid: number) {
  try {
    process.kill(-pid, 'SIGKILL')
  } catch {
    // already gone
  }
}

/** Whether a process of the group is alive (a zombie, dead but not yet reaped, is not). */
function groupAlive(pgid: number) {
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(pgrp) === pgid && state !== 'Z') return true
    } catch {
      // ended meanwhile
    }
  }
  return false
}

/** Synchronous, for the 'exit' hook: kills the server's process group and waits until all of it is dead. */
function killAndWait(pgid: number) {
  killGroup(pgid)
  const tick = new Int32Array(new SharedArrayBuffer(4))
  for (let i = 0; i < 250 && groupAlive(pgid); i++) Atomics.wait(tick, 0, 0, 20)
}

/**
 * Runs Postgres under a shell that asks it for a fast shutdown (SIGINT) once its stdin closes: at stop(), and
 * when Node dies however it dies (kill -9 included), so a detached Postgres never outlives us. The shell exits
 * with Postgres.
 */
const LIFELINE = [
  'exec 3<&0',
  '"$@" </dev/null & pg=$!',
  '{ read -r _ <&3; kill -INT "$pg"; } & reader=$!',
  'wait "$pg"; code=$?; kill "$reader" 2>/dev/null; exit "$code"',
].join('\n')

function runToEnd(child: ChildProcess, onLog: (line: string) => void) {
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
    onLog(chunk.toString())
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  return new Promise<void>((done, fail) => {
    child.once('error', fail)
    child.once('close', (code) => (code === 0 ? done() : fail(new Error(`initdb failed (${code}): ${output}`))))
  })
}

function waitUntilReady(child: ChildProcess, onLog: (line: string) => void) {
  return new Promise<void>((ready, fail) => {
    child.stderr?.on('data', (chunk: Buffer) => {
      onLog(chunk.toString())
      if (chunk.toString().includes('database system is ready to accept connections')) ready()
    })
    child.once('error', fail)
    child.once('exit', (code, signal) => fail(new Error(`postgres exited (${code ?? signal}) while starting`)))
  })
}

async function initdb(run: string, data: string, ids: Ids, opts: RootPostgresOptions) {
  const pwfile = join(run, 'pwfile')
  writeFileSync(pwfile, `${opts.password}\n`, { mode: 0o600 })
  chownSync(pwfile, ids.uid, ids.gid)
  const args = [
    `--pgdata=${data}`,
    '--auth=password',
    `--username=${opts.user}`,
    `--pwfile=${pwfile}`,
    '--lc-messages=C',
  ]
  const child = spawn(join(run, 'native', 'bin', 'initdb'), args, { ...ids, cwd: run, env: env() })
  await runToEnd(child, opts.onLog).finally(() => remove(pwfile))
}

export type RootPostgresOptions = {
  dir: string
  port: number
  persistent: boolean
  user: string
  password: string
  flags: string[]
  onLog: (line: string) => void
}

/** Starts Postgres as the postgres user; the data ends up in `dir` whether that user can reach it or not. */
export async function startAsPostgresUser(opts: RootPostgresOptions): Promise<{ stop: () => Promise<void> }> {
  const ids = postgresUser()
  const run = await makeRunDir(ids)
  const direct = canEnter(ids, dirname(resolve(opts.dir)))
  const data = direct ? opts.dir : join(run, 'data')
  let child: ChildProcess | undefined
  let started = false
  const running = () => child?.pid !== undefined && child.exitCode === null && child.signalCode === null
  const save = () => {
    if (direct || !opts.persistent || !started) return
    // Copied whole before the old copy goes, so an interrupted save never loses both.
    const saving = `${opts.dir}.saving`
    remove(saving)
    cpSync(data, saving, { recursive: true })
    chmodSync(saving, 0o700)
    remove(opts.dir)
    renameSync(saving, opts.dir)
  }
  const cleanUp = () => {
    remove(run)
    if (!opts.persistent) remove(data)
    process.off('exit', onExit)
  }
  // Last resort (a crash, or vitest exiting on Ctrl-C without its teardown): nothing may outlive the process,
  // and the data is kept as after a crash (Postgres recovers it from its WAL on the next start).
  const onExit = () => {
    if (running() && child?.pid) killAndWait(child.pid)
    save()
    cleanUp()
  }
  process.on('exit', onExit)
  try {
    if (!direct && existsSync(join(opts.dir, 'PG_VERSION'))) cpSync(opts.dir, data, { recursive: true })
    mkdirSync(data, { recursive: true })
    chmodSync(data, 0o700)
    if (lstatSync(data).uid !== ids.uid) chownTree(data, ids)
    if (!existsSync(join(data, 'PG_VERSION'))) await initdb(run, data, ids, opts)
    // Own process group: a terminal's Ctrl-C reaches only us, and stop() shuts Postgres down in order.
    const postgres = [join(run, 'native', 'bin', 'postgres'), '-D', data, '-p', String(opts.port)]
    const args = ['-c', LIFELINE, 'sh', ...postgres, '-c', 'unix_socket_directories=', ...opts.flags]
    const stdio: StdioOptions = ['pipe', 'ignore', 'pipe']
    child = spawn('/bin/sh', args, { ...ids, cwd: run, env: env(), detached: true, stdio })
    child.stdin?.on('error', () => {}) // EPIPE when the shell has already exited
    await waitUntilReady(child, opts.onLog)
    started = true
  } catch (err) {
    if (running() && child?.pid) killAndWait(child.pid)
    cleanUp()
    throw err
  }
  const server = child
  const shutDown = async () => {
    if (running()) {
      const exited = new Promise((done) => server.once('exit', done))
      server.stdin?.end() // fast shutdown, see LIFELINE
      const force = setTimeout(() => server.pid && killGroup(server.pid), 30_000)
      await exited
      clearTimeout(force)
    }
    save()
    cleanUp()
  }
  let stopped: Promise<void> | undefined
  return { stop: () => (stopped ??= shutDown()) }
}
