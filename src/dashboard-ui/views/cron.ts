import { sparkline } from '../chart'
import { append, fill, h, prepend, titled, when } from '../dom'
import { subscribe } from '../live'
import { api, currentUser, dataOf, errorText } from '../session'
import { allPages } from './coldchain'

type Job = {
  id: string
  name: string
  cronExpression: string
  timezone: string
  status: string
  nextRunAt: string | null
  lastStatus: string | null
  lastRunAt: string | null
}
type Execution = {
  id: string
  jobId: string
  status: string
  trigger?: string
  httpStatus: number | null
  durationMs: number | null
  error: string | null
  createdAt?: string
  finishedAt?: string | null
}
/** What the Worker publishes on `user:<id>` when an execution finishes (features/jobs/execute.service.ts). */
type ExecutionEvent = {
  jobId: string
  executionId: string
  status: string
  httpStatus: number | null
  durationMs: number
  error: string | null
}

const FINISHED = new Set(['SUCCESS', 'FAILED'])

/** The user's cron jobs (next run, last status, a sparkline of recent durations) and executions, live. */
export function cronView(main: HTMLElement) {
  const jobsBody = h('tbody', { id: 'jobs' })
  const runs = h('ol', { class: 'executions', id: 'executions', 'aria-live': 'polite' })
  const error = h('p', { class: 'error', role: 'alert' })
  fill(
    main,
    h('h1', {}, 'Cron jobs'),
    error,
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        {},
        h('caption', { class: 'sr-only' }, 'My jobs'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Job', 'Schedule', 'Status', 'Next run', 'Last run', 'Durations', 'Actions'].map((c) =>
              h('th', { scope: 'col' }, c),
            ),
          ),
        ),
        jobsBody,
      ),
    ),
    titled('runs', 'Recent executions', runs),
  )

  let jobs: Job[] = []
  const durations = new Map<string, number[]>()
  let gone = false

  const act = async (job: Job, action: 'pause' | 'resume' | 'run') => {
    error.textContent = ''
    try {
      const route = api.jobs.jobs[':id']
      if (action === 'run') {
        const execution = await dataOf(await route.run.$post({ param: { id: job.id } }))
        addRun({ ...execution, jobId: job.id }, true)
      } else {
        const updated = await dataOf(
          await (action === 'pause' ? route.pause : route.resume).$post({ param: { id: job.id } }),
        )
        jobs = jobs.map((j) => (j.id === job.id ? { ...j, ...updated } : j))
        renderJobs()
      }
    } catch (err) {
      error.textContent = errorText(err)
    }
  }

  const renderJobs = () =>
    fill(
      jobsBody,
      jobs.length
        ? jobs.map((j) =>
            h(
              'tr',
              { 'data-job': j.id },
              h('th', { scope: 'row' }, j.name),
              h('td', {}, h('code', {}, j.cronExpression), ` ${j.timezone}`),
              h('td', {}, h('span', { class: `pill ${j.status.toLowerCase()}` }, j.status)),
              h('td', {}, when(j.nextRunAt)),
              h(
                'td',
                {},
                j.lastStatus ? h('span', { class: `pill ${j.lastStatus.toLowerCase()}` }, j.lastStatus) : '',
                ` ${when(j.lastRunAt)}`,
              ),
              h('td', {}, sparkline(durations.get(j.id) ?? [], `Durations of the last runs of ${j.name}`)),
              h(
                'td',
                { class: 'actions' },
                h(
                  'button',
                  { type: 'button', onclick: () => void act(j, 'run'), 'aria-label': `Run ${j.name} now` },
                  'Run now',
                ),
                j.status === 'ACTIVE'
                  ? h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        onclick: () => void act(j, 'pause'),
                        'aria-label': `Pause ${j.name}`,
                      },
                      'Pause',
                    )
                  : h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary',
                        onclick: () => void act(j, 'resume'),
                        'aria-label': `Resume ${j.name}`,
                      },
                      'Resume',
                    ),
              ),
            ),
          )
        : h('tr', {}, h('td', { colspan: 7 }, 'No job yet: create one with POST /api/v1/jobs.')),
    )

  const runItem = (e: Execution) =>
    h(
      'li',
      { 'data-execution': e.id, 'data-status': e.status },
      h('span', { class: `pill ${e.status.toLowerCase()}` }, e.status),
      ` ${jobs.find((j) => j.id === e.jobId)?.name ?? e.jobId}`,
      e.httpStatus ? ` · HTTP ${e.httpStatus}` : '',
      e.durationMs !== null ? ` · ${e.durationMs} ms` : '',
      e.error ? ` · ${e.error}` : '',
      e.finishedAt || e.createdAt ? ` · ${when(e.finishedAt ?? e.createdAt)}` : '',
    )

  /** Adds or updates an execution's row, newest first. */
  const addRun = (e: Execution, top = false) => {
    const existing = runs.querySelector(`[data-execution="${e.id}"]`)
    const item = runItem(e)
    if (existing) existing.replaceWith(item)
    else if (top) prepend(runs, item)
    else append(runs, [item])
    while (runs.children.length > 50) runs.lastElementChild?.remove()
  }

  const load = async () => {
    try {
      jobs = await allPages(async (q) => dataOf(await api.jobs.jobs.$get({ query: q })))
      const recent = await dataOf(await api.jobs.logs.$get({ query: { limit: '50' } }))
      if (gone) return
      durations.clear()
      for (const e of [...recent].reverse())
        if (FINISHED.has(e.status) && e.durationMs !== null)
          durations.set(e.jobId, [...(durations.get(e.jobId) ?? []), e.durationMs].slice(-20))
      renderJobs()
      fill(runs)
      for (const e of recent) addRun(e)
    } catch (err) {
      error.textContent = errorText(err)
    }
  }

  const user = currentUser()
  let unsubscribe: (() => void) | undefined
  void load().then(() => {
    if (gone || !user) return
    unsubscribe = subscribe(
      `user:${user.id}`,
      (m) => {
        if (m.event !== 'job.execution') return
        const e = m.payload as unknown as ExecutionEvent
        addRun(
          {
            id: e.executionId,
            jobId: e.jobId,
            status: e.status,
            httpStatus: e.httpStatus,
            durationMs: e.durationMs,
            error: e.error,
            finishedAt: m.at,
          },
          true,
        )
        durations.set(e.jobId, [...(durations.get(e.jobId) ?? []), e.durationMs].slice(-20))
        jobs = jobs.map((j) =>
          j.id === e.jobId && FINISHED.has(e.status) ? { ...j, lastStatus: e.status, lastRunAt: m.at } : j,
        )
        renderJobs()
      },
      () => void load(),
    )
  })
  return () => {
    gone = true
    unsubscribe?.()
  }
}
