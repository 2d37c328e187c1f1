import { describe, expect, it } from 'vitest'
import { cronError, minIntervalSeconds, nextRunAt, timezoneError } from '../src/features/jobs/schedule'

const at = (iso: string) => new Date(iso)
/** The next `n` runs after `from`, as ISO strings. */
function runs(expr: string, tz: string, from: string, n: number) {
  const out: string[] = []
  let cursor: Date | null = at(from)
  while (out.length < n && (cursor = nextRunAt(expr, tz, cursor))) out.push(cursor.toISOString())
  return out
}

describe('cronError', () => {
  it.each([
    '* * * * *',
    '*/15 9-17 * * 1-5',
    '0 0 1,15 * *',
    '0 9 * JAN-MAR mon-fri',
    '0 0 * * 7',
    '0 0 * * FRI-SUN',
    '0-30/10 */2 * * *',
    '  0   9 * * *  ',
  ])('accepts the standard 5-field expression %j', (expr) => expect(cronError(expr)).toBeNull())

  it.each([
    ['60 * * * *', /minute: 60 is outside 0-59/],
    ['* 24 * * *', /hour: 24 is outside 0-23/],
    ['* * 0 * *', /day-of-month: 0 is outside 1-31/],
    ['* * 32 * *', /day-of-month: 32/],
    ['* * * 13 *', /month: 13/],
    ['* * * * 8', /day-of-week: 8/],
    ['0-60/10 * * * *', /minute: 60/],
  ])('refuses the out-of-range value in %j and names its field', (expr, reason) =>
    expect(cronError(expr)).toMatch(reason),
  )

  it.each(['', '   ', '* * * *', '* * * * * * * *'])('refuses %j for its field count', (expr) =>
    expect(cronError(expr)).toMatch(/expected 5 fields/),
  )

  it('refuses a seconds field (6 fields) and a year field (7 fields), which croner would accept', () => {
    expect(cronError('0 */5 * * * *')).toMatch(/no seconds or year field/)
    expect(cronError('0 0 12 * * * 2030')).toMatch(/no seconds or year field/)
  })

  it.each(['@daily', '@hourly', '@yearly', '@reboot'])('refuses the nickname %s', (expr) =>
    expect(cronError(expr)).toMatch(/nicknames/),
  )

  it.each([
    'every day at 9',
    'a b c d e',
    '* * * * * ;rm',
    '1,,2 * * * *',
    '5-1 * * * *',
    '*/0 * * * *',
    '5/15 * * * *',
    '*/61 * * * *',
    '1.5 * * * *',
    '-1 * * * *',
  ])('refuses the malformed expression %j', (expr) => expect(cronError(expr)).toEqual(expect.any(String)))

  it.each(['0 0 L * *', '0 0 15W * *', '0 0 * * MON#1', '0 12 1 * +MON', '? * * * *'])(
    'refuses the croner extension in %j',
    (expr) => expect(cronError(expr)).toEqual(expect.any(String)),
  )

  // Decision: a day that never exists is refused up front; nextRunAt would only ever say null.
  it('refuses an expression that can never run, and nextRunAt answers null for it', () => {
    expect(cronError('0 0 31 2 *')).toMatch(/never runs/)
    expect(cronError('0 0 30 2,4 *')).toBeNull() // April has a 30th
    expect(nextRunAt('0 0 31 2 *', 'UTC', at('2026-01-01T00:00:00Z'))).toBeNull()
  })

  it('accepts a leap day and a day that only the weekday makes real', () => {
    expect(cronError('0 0 29 2 *')).toBeNull()
    expect(cronError('0 0 31 2 MON')).toBeNull() // Vixie OR: every Monday in February
  })
})

describe('timezoneError', () => {
  it.each(['Europe/Paris', 'America/New_York', 'UTC', 'Asia/Tokyo', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5'])(
    'accepts the IANA zone %s',
    (tz) => expect(timezoneError(tz)).toBeNull(),
  )

  it.each(['Mars/Olympus', 'Europe/Atlantis', 'Europe/Paris '])('refuses %j, which no runtime knows', (tz) =>
    expect(timezoneError(tz)).toMatch(/unknown timezone/),
  )

  it.each(['EST', 'CET', 'GMT', 'utc', '+02:00', ''])('refuses %j, which is no Area/Location name', (tz) =>
    expect(timezoneError(tz)).toMatch(/not an IANA timezone/),
  )
})

describe('nextRunAt', () => {
  it('runs at 09:00 Tokyo, which is midnight UTC', () => {
    expect(nextRunAt('0 9 * * *', 'Asia/Tokyo', at('2026-01-05T12:00:00Z'))?.toISOString()).toBe(
      '2026-01-06T00:00:00.000Z',
    )
  })

  it('returns a run strictly after the given instant, even within its second', () => {
    expect(nextRunAt('* * * * *', 'UTC', at('2026-01-05T12:00:00Z'))?.toISOString()).toBe('2026-01-05T12:01:00.000Z')
    expect(nextRunAt('* * * * *', 'UTC', at('2026-01-05T12:00:00.500Z'))?.toISOString()).toBe(
      '2026-01-05T12:01:00.000Z',
    )
    expect(nextRunAt('* * * * *', 'UTC', at('2026-01-05T11:59:59.999Z'))?.toISOString()).toBe(
      '2026-01-05T12:00:00.000Z',
    )
  })

  it('keeps to weekdays and business hours for */15 9-17 * * 1-5', () => {
    // 2026-01-09 is a Friday: the last run is 17:45, the next is Monday 09:00.
    expect(runs('*/15 9-17 * * 1-5', 'UTC', '2026-01-09T17:30:00Z', 2)).toEqual([
      '2026-01-09T17:45:00.000Z',
      '2026-01-12T09:00:00.000Z',
    ])
  })

  it('runs when either the day of month or the weekday matches, as Vixie cron does', () => {
    // The 1st OR Mondays: Mon 26 Jan, Sun 1 Feb, Mon 2 Feb (croner's AND mode would wait for 1 Jun).
    expect(runs('0 12 1 * MON', 'UTC', '2026-01-25T00:00:00Z', 3)).toEqual([
      '2026-01-26T12:00:00.000Z',
      '2026-02-01T12:00:00.000Z',
      '2026-02-02T12:00:00.000Z',
    ])
  })

  it('needs both day fields to match when one starts with *, as Vixie cron does', () => {
    // Odd days AND Mondays: 5, 19 Jan and 9 Feb 2026 (OR would also run on 3 Jan).
    expect(runs('0 12 */2 * MON', 'UTC', '2026-01-01T12:00:00Z', 3)).toEqual([
      '2026-01-05T12:00:00.000Z',
      '2026-01-19T12:00:00.000Z',
      '2026-02-09T12:00:00.000Z',
    ])
  })

  it('throws on an expression that cronError refuses', () => {
    expect(() => nextRunAt('0 */5 * * * *', 'UTC', new Date())).toThrow(RangeError)
    expect(() => nextRunAt('0 0 L * *', 'UTC', new Date())).toThrow(RangeError)
  })
})

/*
 * DST follows Vixie cron (croner's fixedTimeRule 'no-wildcard'). A fixed-time job (no * or step in
 * minute and hour) whose time falls in the spring-forward gap runs when the clock lands, the same
 * day, and a repeated time runs once, at its first pass. An interval job skips the gap and runs on
 * both passes of a repeated hour.
 */
describe('nextRunAt across DST', () => {
  it('runs 02:30 New York at 03:00 EDT on 2026-03-08, when 02:30 does not exist, and not again that day', () => {
    expect(runs('30 2 * * *', 'America/New_York', '2026-03-08T05:00:00Z', 2)).toEqual([
      '2026-03-08T07:00:00.000Z', // 03:00 EDT, just after the gap
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ])
  })

  it('skips the missing 02:xx New York hour for an interval job', () => {
    expect(runs('*/30 2 * * *', 'America/New_York', '2026-03-08T05:00:00Z', 1)).toEqual(['2026-03-09T06:00:00.000Z'])
  })

  it('runs 01:30 New York once on 2026-11-01, at the first (EDT) pass of the repeated hour', () => {
    expect(runs('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT; 01:30 EST (06:30Z) does not run
      '2026-11-02T06:30:00.000Z',
    ])
  })

  it('runs an interval job on both passes of the repeated New York hour', () => {
    expect(runs('*/30 1 * * *', 'America/New_York', '2026-11-01T04:00:00Z', 5)).toEqual([
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T05:30:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-02T06:00:00.000Z',
    ])
  })

  it('runs 02:30 Paris at 03:00 CEST on 2026-03-29, when the clock skips from 02:00 to 03:00', () => {
    expect(runs('30 2 * * *', 'Europe/Paris', '2026-03-28T12:00:00Z', 2)).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ])
  })

  it('runs 02:30 Paris once on 2026-10-25, at the CEST pass of the repeated hour', () => {
    expect(runs('30 2 * * *', 'Europe/Paris', '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ])
  })
})

describe('minIntervalSeconds', () => {
  const from = at('2026-01-01T00:00:00Z')

  it.each([
    ['* * * * *', 60],
    ['*/5 * * * *', 300],
    ['0 * * * *', 3600],
    ['0 9 * * 1-5', 86_400],
    ['0,30 * * * *', 1800],
    ['5,10 * * * *', 300],
    ['*/45 * * * *', 900], // :45 to the next :00
    ['0 9,17 * * *', 8 * 3600], // 17:00 to 09:00 the next day is longer
    ['0 0 1 * *', 28 * 86_400], // February
    ['0 0 29 2 *', 1461 * 86_400], // leap day to leap day
  ])('gives %j a smallest gap of %i s in UTC', (expr, seconds) =>
    expect(minIntervalSeconds(expr, 'UTC', from)).toBe(seconds),
  )

  it('counts the real time that a skipped hour takes out of a gap', () => {
    // 01:30 EST, then 02:30, which does not exist, runs at 03:00 EDT: 30 min.
    expect(minIntervalSeconds('30 1,2 * * *', 'America/New_York', from)).toBe(1800)
    // 01:59 EST, then 03:00 EDT: one minute, though the wall clock never shows a gap under 59.
    expect(minIntervalSeconds('0,59 1,3 * * *', 'America/New_York', from)).toBe(60)
    expect(minIntervalSeconds('0,59 1,3 * * *', 'UTC', from)).toBe(59 * 60)
  })

  it('sees that a daily job has a 23-hour day in spring, but a weekday job does not (US clocks change on Sundays)', () => {
    expect(minIntervalSeconds('0 9 * * *', 'America/New_York', from)).toBe(23 * 3600)
    expect(minIntervalSeconds('0 9 * * 1-5', 'America/New_York', from)).toBe(86_400)
  })

  it('keeps interval jobs at their step through both DST changes', () => {
    expect(minIntervalSeconds('*/15 * * * *', 'America/New_York', from)).toBe(900)
    expect(minIntervalSeconds('0 * * * *', 'Europe/Paris', from)).toBe(3600)
  })

  it('answers * * * * * in well under 20 ms', () => {
    const timings = [0, 1, 2, 3, 4].map(() => {
      const started = performance.now()
      expect(minIntervalSeconds('* * * * *', 'America/New_York')).toBe(60)
      return performance.now() - started
    })
    expect(timings.sort((a, b) => a - b)[2]).toBeLessThan(20)
  })

  it('throws on an invalid expression', () => {
    expect(() => minIntervalSeconds('* * * *', 'UTC')).toThrow(RangeError)
  })
})
