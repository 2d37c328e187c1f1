import { escalateAlerts, sweepOfflineDevices } from './coldchain'
import { cleanupOtps, cleanupSessions, retainLogs } from './maintenance'
import { dailyReport, recordHealth } from './reports'
import { refreshSearchDictionary } from './search'
import { remindDueTasks, weeklyProjectReport } from './tasks'
import type { SystemJob } from './types'
import { abortStaleUploads } from './uploads'
import { dispatchUserJobs } from './user-jobs'

/** Every system job (SPEC.md, Cron service). Features add theirs here (device sweeps, reminders…). */
export const SYSTEM_JOBS: SystemJob[] = [
  {
    name: 'user-jobs-dispatch',
    cron: '* * * * *',
    description: 'Queue the users’ due cron jobs',
    run: dispatchUserJobs,
  },
  {
    name: 'session-cleanup',
    cron: '0 * * * *',
    description: 'Delete expired sessions, refresh and reset tokens',
    run: cleanupSessions,
  },
  { name: 'otp-cleanup', cron: '0 0 * * *', description: 'Delete expired verification codes', run: cleanupOtps },
  {
    name: 'daily-report',
    cron: '0 6 * * *',
    description: 'Store and email yesterday’s figures to admins',
    run: dailyReport,
  },
  { name: 'health-check', cron: '*/5 * * * *', description: 'Record the dependency health', run: recordHealth },
  {
    name: 'log-retention',
    cron: '0 3 * * 0',
    description: 'Delete execution logs past the plan’s retention',
    run: retainLogs,
  },
  {
    name: 'device-offline-sweep',
    cron: '*/5 * * * *',
    description: 'Mark devices OFFLINE whose monitor missed its alarm',
    run: sweepOfflineDevices,
  },
  {
    name: 'alert-escalation',
    cron: '*/5 * * * *',
    description: 'Escalate alerts ACTIVE for more than an hour, once each',
    run: escalateAlerts,
  },
  {
    name: 'upload-session-cleanup',
    cron: '17 * * * *',
    description: 'Abort upload sessions older than 24 hours',
    run: abortStaleUploads,
  },
  {
    name: 'search-words-refresh',
    cron: '*/15 * * * *',
    description: 'Rebuild the dictionary that search corrects typos against',
    run: refreshSearchDictionary,
  },
  {
    name: 'task-due-reminders',
    cron: '0 9 * * *',
    description: 'Notify and email assignees of tasks due within 24 hours, once per due date',
    run: remindDueTasks,
  },
  {
    name: 'weekly-project-report',
    cron: '0 9 * * 1',
    description: 'Email each project owner the week’s tasks done, open and overdue per project',
    run: weeklyProjectReport,
  },
]
