import { enqueueEmail } from '../features/email/email.service'
import { healthReport } from '../features/health/health.service'
import {
  adminEmails,
  coldChainFigures,
  dailyFigures,
  reportText,
  storeDailyReport,
  storeHealthSample,
} from '../features/scheduler/reports.service'
import type { TickContext } from './types'

/** 06:00 UTC: yesterday's figures and cold chain per customer, stored once per day and emailed to every admin. */
export async function dailyReport({ db, config, at }: TickContext) {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() - 1)).toISOString().slice(0, 10)
  const data = { day, ...(await dailyFigures(db, day)), coldChain: await coldChainFigures(db, day) }
  if (!(await storeDailyReport(db, day, data))) return { day, emailed: 0, stored: false }
  const admins = await adminEmails(db)
  const text = reportText(data)
  for (const email of admins)
    await enqueueEmail(config, email, 'notice', { subject: `Outpost daily report for ${day}`, text })
  return { day, emailed: admins.length, stored: true }
}

/** Every 5 minutes: the same checks as GET /health, stored for /scheduler/health-metrics. */
export async function recordHealth({ db, config }: TickContext) {
  const report = await healthReport(config, db)
  await storeHealthSample(db, { status: report.status, checks: report.checks })
  return { status: report.status }
}
