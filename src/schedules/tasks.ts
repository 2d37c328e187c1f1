import { sendWeeklyReports } from '../features/projects/weekly-report.service'
import { sendDueReminders } from '../features/tasks/reminders.service'
import type { TickContext } from './types'

/** 09:00 UTC: reminders for tasks due within 24 hours, once per task and due date. */
export const remindDueTasks = ({ db, config, at }: TickContext) => sendDueReminders(db, config, at)

/** Monday 09:00 UTC: each project owner's weekly report, stored and emailed once per week. */
export const weeklyProjectReport = ({ db, config, at }: TickContext) => sendWeeklyReports(db, config, at)
