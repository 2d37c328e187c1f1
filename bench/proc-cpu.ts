/**
 * Where the CPU goes during a bench scenario: user + system time of this process and of every
 * process it started (workerd, Postgres and its backends, helper Node processes), read from /proc
 * and grouped by program. Linux only; elsewhere every figure is 0.
 */
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const TICK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100

type Proc = { pid: number; ppid: number; comm: string; cpu: number }

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const close = stat.lastIndexOf(')')
    const comm = stat.slice(stat.indexOf('(') + 1, close)
    const fields = stat.slice(close + 2).split(' ')
    // fields[0] is the state (stat field 3): ppid is field 4, utime 14, stime 15, cutime 16, cstime 17.
    // cutime/cstime are children already reaped: Postgres forks a short-lived backend per connection,
    // which a snapshot would otherwise never see.
    return { pid, ppid: Number(fields[1]), comm, cpu: fields.slice(11, 15).reduce((n, f) => n + Number(f), 0) / TICK }
  } catch {
    return undefined // gone in between
  }
}

/** This process and all its descendants, with their CPU seconds so far. */
function tree(): Proc[] {
  let all: Proc[]
  try {
    all = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .flatMap((d) => readProc(Number(d)) ?? [])
  } catch {
    return []
  }
  const children = new Map<number, Proc[]>()
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p])
  const out: Proc[] = []
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      out.push(c)
      walk(c.pid)
    }
  }
  const self = all.find((p) => p.pid === process.pid)
  if (self) out.push(self)
  walk(process.pid)
  return out
}

/** `bench` is this process; other Node processes (the WebSocket proxy, tsx wrappers) are `node helpers`. */
function group(p: Proc) {
  if (p.pid === process.pid) return 'bench'
  if (p.comm === 'workerd') return 'workerd'
  if (p.comm === 'postgres' || p.comm.startsWith('postgres')) return 'postgres'
  if (p.comm === 'node' || p.comm.startsWith('node')) return 'node helpers'
  return 'other'
}

/** CPU seconds the whole machine has spent busy (every process, ours or not), from /proc/stat. */
function machineBusy() {
  try {
    const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)
    const [user, nice, system, , , irq, softirq, steal] = f.map(Number)
    return (user! + nice! + system! + irq! + softirq! + (steal ?? 0)) / TICK
  } catch {
    return 0
  }
}

export type CpuSnapshot = { at: number; machine: number; byPid: Map<number, { group: string; cpu: number }> }

export function snapshot(): CpuSnapshot {
  return {
    at: performance.now(),
    machine: machineBusy(),
    byPid: new Map(tree().map((p) => [p.pid, { group: group(p), cpu: p.cpu }])),
  }
}

/**
 * CPU used per group between two snapshots, in cores (1 = one core busy for the whole interval).
 * A process that started in between counts from 0; one that ended in between is counted in its
 * parent once reaped. `machine` is every process on the machine, including other people's work.
 */
export function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const wall = (b.at - a.at) / 1000
  const out: Record<string, number> = { workerd: 0, postgres: 0, 'node helpers': 0, bench: 0 }
  if (wall <= 0) return out
  for (const [pid, p] of b.byPid) out[p.group] = (out[p.group] ?? 0) + (p.cpu - (a.byPid.get(pid)?.cpu ?? 0)) / wall
  out.machine = (b.machine - a.machine) / wall
  for (const k of Object.keys(out)) out[k] = Math.round(out[k]! * 100) / 100
  return out
}
