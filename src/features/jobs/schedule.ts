import { Cron } from 'croner'

/*
 * Schedules of user cron jobs (SPEC.md, Cron service), with Vixie cron's semantics: 5 fields, no
 * seconds, year, nicknames or croner extensions (L, W, #, +, ?), so any crontab means the same here.
 */

type Field = { name: string; min: number; max: number; names?: readonly string[] }

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day-of-week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
]
const SHAPE = 'expected 5 fields: minute hour day-of-month month day-of-week'
const MINUTE = 60_000
const DAY = 1440 * MINUTE

type Parsed = {
  minutes: number[]
  hours: number[]
  days: Set<number>
  months: Set<number>
  weekdays: Set<number>
  and: boolean
}

function fieldValue(token: string, f: Field): number | string {
  const named = f.names?.indexOf(token.toUpperCase()) ?? -1
  const n = /^\d+$/.test(token) ? Number(token) : named >= 0 ? named + f.min : NaN
  if (Number.isNaN(n)) return `${f.name}: '${token}' is not a number${f.names ? ' or a name' : ''}`
  return n < f.min || n > f.max ? `${f.name}: ${n} is outside ${f.min}-${f.max}` : n
}

function parseField(text: string, f: Field): number[] | string {
  const values = new Set<number>()
  for (const item of text.split(',')) {
    const m = /^(?:(\*)|([a-z0-9]+)(?:-([a-z0-9]+))?)(?:\/(\d+))?$/i.exec(item)
    if (!m) return `${f.name}: '${item}' is not a number, name, *, range, list or step`
    const [, star, from, to, step] = m
    // 'a/n' means different things in different crons; croner and Vixie refuse it too.
    if (step !== undefined && !star && to === undefined)
      return `${f.name}: '${item}' needs * or a range before the step`
    const lo = star ? f.min : fieldValue(from!, f)
    // SUN ends a weekday range as 7, so FRI-SUN reads as it does in croner.
    const hi = star ? f.max : to === undefined ? lo : f.max === 7 && /^sun$/i.test(to) ? 7 : fieldValue(to, f)
    if (typeof lo === 'string') return lo
    if (typeof hi === 'string') return hi
    if (lo > hi) return `${f.name}: range '${item}' runs backwards`
    const by = step === undefined ? 1 : Number(step)
    if (by < 1 || by > f.max - f.min + 1) return `${f.name}: step in '${item}' must be 1-${f.max - f.min + 1}`
    for (let v = lo; v <= hi; v += by) values.add(f.name === 'day-of-week' ? v % 7 : v)
  }
  return [...values].sort((a, b) => a - b)
}

function parse(expr: string): Parsed | string {
  const text = expr.trim()
  if (text.startsWith('@')) return `nicknames such as ${text.split(/\s/)[0]} are not supported; ${SHAPE}`
  const parts = text ? text.split(/\s+/) : []
  if (parts.length === 6 || parts.length === 7) return `${SHAPE} (no seconds or year field); got ${parts.length}`
  if (parts.length !== 5) return `${SHAPE}; got ${parts.length}`
  const sets: number[][] = []
  for (const [i, part] of parts.entries()) {
    const values = parseField(part, FIELDS[i]!)
    if (typeof values === 'string') return values
    sets.push(values)
  }
  const [minutes, hours, days, months, weekdays] = sets as [number[], number[], number[], number[], number[]]
  // Vixie: if either day field starts with '*', a day must match both; otherwise either one.
  const and = parts[2]!.startsWith('*') || parts[4]!.startsWith('*')
  return { minutes, hours, days: new Set(days), months: new Set(months), weekdays: new Set(weekdays), and }
}

/**
 * The smallest gap, in days, between run days of 2000-2056. Between 1901 and 2099 the calendar
 * repeats every 28 years, so these 57 years hold every pairing of date, weekday and leap year
 * twice: any expression that runs at all runs twice here, and its smallest gap shows. Plain
 * arithmetic, about 21,000 iterations (under a millisecond).
 */
function minDayGap(p: Parsed): { any: boolean; gap: number } {
  let weekday = 6 // 2000-01-01 was a Saturday
  let day = 0
  let last = -Infinity
  let gap = Infinity
  for (let y = 2000; y <= 2056; y++) {
    for (let m = 1; m <= 12; m++) {
      const length = new Date(Date.UTC(y, m, 0)).getUTCDate()
      for (let d = 1; d <= length; d++, day++, weekday = (weekday + 1) % 7) {
        if (!p.months.has(m)) continue
        if (p.and ? !(p.days.has(d) && p.weekdays.has(weekday)) : !(p.days.has(d) || p.weekdays.has(weekday))) continue
        gap = Math.min(gap, day - last)
        last = day
      }
    }
  }
  return { any: last >= 0, gap }
}

/** The same options everywhere, so validation, next run and interval agree. */
function cronFor(expr: string, tz: string) {
  const p = parse(expr)
  if (typeof p === 'string') throw new RangeError(`invalid cron expression: ${p}`)
  // fixedTimeRule 'no-wildcard' is Vixie's split between fixed-time and interval jobs (see nextRunAt).
  return new Cron(expr, { timezone: tz, paused: true, mode: '5-part', domAndDow: p.and, fixedTimeRule: 'no-wildcard' })
}

/**
 * null when `expr` is a valid 5-field cron expression (minute hour day-of-month month
 * day-of-week; numbers, JAN-DEC / SUN-SAT names, `*`, ranges, lists and steps), else a
 * human-readable reason. Refuses seconds and year fields, `@nicknames`, croner's extensions, and
 * expressions that can never run (`0 0 31 2 *`): a job that never fires is always a mistake.
 */
export function cronError(expr: string): string | null {
  const p = parse(expr)
  if (typeof p === 'string') return p
  if (!minDayGap(p).any) return 'never runs: no date has that day-of-month in those months'
  try {
    cronFor(expr, 'UTC')
  } catch (err) {
    return `invalid cron expression: ${err instanceof Error ? err.message : String(err)}` // croner's last word
  }
  return null
}

/**
 * null when `tz` is an IANA timezone name that the runtime knows (`Europe/Paris`, `UTC`), else a
 * reason. Abbreviations such as `EST` are refused even where Intl knows them: they are ambiguous
 * and carry no DST rules, so only `Area/Location` names and `UTC` pass.
 */
export function timezoneError(tz: string): string | null {
  if (tz !== 'UTC' && !tz.includes('/')) return `'${tz}' is not an IANA timezone name such as Europe/Paris or UTC`
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz })
  } catch (err) {
    if (err instanceof RangeError) return `unknown timezone '${tz}'`
    throw err
  }
  return null
}

/**
 * The next run strictly after `after`, on the wall clock of `tz`; null if it never runs again.
 * DST follows Vixie cron (croner's rules with fixedTimeRule 'no-wildcard'): a job with no `*` or
 * step in minute and hour is fixed-time, and runs once at the first occurrence of a repeated time
 * and at the end of a skipped hour (the same day); other jobs run on both passes of a repeated
 * time and skip times that do not exist. Throws on an invalid expression or zone.
 */
export function nextRunAt(expr: string, tz: string, after: Date): Date | null {
  return cronFor(expr, tz).nextRun(after)
}

/**
 * The smallest gap, in real elapsed seconds, between two consecutive runs; Infinity if it never
 * runs. Used to enforce a plan's minimum interval. It never walks the runs:
 * - On the wall clock, runs are the run days times the run times of day, so the smallest gap is
 *   the smallest one within a day, or the smallest gap between run days (see minDayGap) less the
 *   span from the first to the last time of day.
 * - A gap in real time differs from that only if a UTC offset change falls inside it, so only the
 *   runs around each change of the year after `from` are asked of croner: a skipped hour can
 *   shorten a gap (`30 1,2 * * *` in New York: 01:30 EST, then 03:00 EDT, 30 min later), and a
 *   daily job has one 23-hour gap a year. One year covers every yearly rule; rules further out
 *   are forecasts, and the wall-clock part already covers every year.
 * Cost: a few arithmetic loops, ~80 Intl calls and ~3 croner calls per offset change (~3 ms).
 */
export function minIntervalSeconds(expr: string, tz: string, from: Date = new Date()): number {
  const p = parse(expr)
  if (typeof p === 'string') throw new RangeError(`invalid cron expression: ${p}`)
  const days = minDayGap(p)
  if (!days.any) return Infinity
  const times = p.hours.flatMap((h) => p.minutes.map((m) => h * 60 + m))
  let minutes = days.gap * 1440 - (times.at(-1)! - times[0]!)
  for (let i = 1; i < times.length; i++) minutes = Math.min(minutes, times[i]! - times[i - 1]!)
  return Math.min(minutes * 60, dstGapMs(cronFor(expr, tz), tz, from.getTime()) / 1000)
}

/** The smallest real gap between runs around each offset change in the year after `from`. */
function dstGapMs(job: Cron, tz: string, from: number): number {
  const format = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
  const offset = (ms: number) => format.format(ms).split('GMT')[1]
  // Weekly samples: no zone changes its offset twice within a week.
  const start = Math.floor(from / MINUTE) * MINUTE
  let smallest = Infinity
  for (let t = start; t < start + 366 * DAY; t += 7 * DAY) {
    let [lo, hi] = [t, t + 7 * DAY]
    if (offset(lo) === offset(hi)) continue
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / MINUTE / 2) * MINUTE
      if (offset(mid) === offset(lo)) lo = mid
      else hi = mid
    }
    // Gaps around the change at `hi`: from the last run before it, and on from a run moved onto it.
    let a = job.previousRuns(1, new Date(hi - 1000))[0]
    while (a) {
      const b = job.nextRun(a)
      if (!b) break
      smallest = Math.min(smallest, b.getTime() - a.getTime())
      a = b.getTime() === hi ? b : undefined
    }
  }
  return smallest
}
