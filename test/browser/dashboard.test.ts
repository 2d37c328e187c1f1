/**
 * The dashboard page in a real headless Chromium (Debian's `chromium`, driven by playwright-core; never a downloaded
 * browser) against the local stack of `npm run dev` (./stack.ts). Each test saves a screenshot in test-results/browser.
 * Without a chromium the suite is skipped with a message, except under CI=true, where that fails it.
 */
import { existsSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type Stack, startStack } from './stack'

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
)
const SHOTS = join('test-results', 'browser')
/** Where the README's screenshots go: docs/dashboard with DOCS_SCREENSHOTS=1, else next to the others. */
const DOCS = process.env.DOCS_SCREENSHOTS === '1' ? join('docs', 'dashboard') : SHOTS
if (!CHROMIUM) {
  const why = 'no chromium found (apt-get install -y chromium, or set CHROMIUM_PATH)'
  if (process.env.CI === 'true') throw new Error(`browser tests: ${why}`)
  console.warn(`browser tests skipped: ${why}`)
}

type Cell = { id: string; name: string; minTemp: number; maxTemp: number; customerId: string; pendingReadings: number }
type Device = { id: string; serialNumber: string; coldCellId: string }

describe.skipIf(!CHROMIUM)('dashboard in Chromium', () => {
  let stack: Stack
  let browser: Browser
  let page: Page
  let adminToken: string

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true })
    ;[stack, browser] = await Promise.all([
      startStack(),
      chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] }),
    ])
    adminToken = await stack.login('admin@outpost.dev')
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await stack?.stop()
  }, 60_000)

  let shot = ''
  afterEach(async () => {
    if (page && shot) await page.screenshot({ path: join(SHOTS, `${shot}.png`), fullPage: true }).catch(() => undefined)
    await page?.context().close()
  })

  async function open(email: string, name: string, viewport = { width: 1280, height: 900 }) {
    shot = name
    page = await (await browser.newContext({ viewport })).newPage()
    await page.goto(`${stack.url}/dashboard`)
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(stack.seeded.users.find((u) => u.email === email)?.password ?? '')
    await page.getByRole('button', { name: 'Sign in', exact: true }).click()
    await page.getByRole('button', { name: 'Sign out' }).waitFor()
    // Set once: still there at the end means the page never reloaded.
    await page.evaluate(() => Object.assign(globalThis, { __noReload: true }))
    return page
  }
  const notReloaded = () => page.evaluate(() => (globalThis as { __noReload?: boolean }).__noReload === true)

  async function cellOf(serial: string) {
    const devices = await stack.api<Device[]>('/devices?limit=100', { token: adminToken })
    const device = devices.find((d) => d.serialNumber === serial)
    if (!device) throw new Error(`no device ${serial}`)
    return stack.api<Cell>(`/coldcells/${device.coldCellId}`, { token: adminToken })
  }

  it('a technician sees a breaching reading turn the cell red with its alert, live, and resolves it', async () => {
    const cell = await cellOf('CC-1001')
    await open('tech@outpost.dev', 'coldchain-alert')
    await page.locator(`a[data-cell="${cell.id}"]`).click()
    await page.locator('#cell-state').waitFor()
    expect(await page.locator('#cell-state').getAttribute('data-state')).not.toBe('alert')
    await page.getByText('Live', { exact: true }).waitFor()

    // A second tab on the grid: its card turns red live too (the customer:<id> socket).
    const grid = await (await browser.newContext()).newPage()
    await grid.goto(`${stack.url}/dashboard`)
    await grid.getByLabel('Email').fill('tech@outpost.dev')
    await grid
      .getByLabel('Password')
      .fill(stack.seeded.users.find((u) => u.email === 'tech@outpost.dev')?.password ?? '')
    await grid.getByRole('button', { name: 'Sign in', exact: true }).click()
    await grid.locator(`a[data-cell="${cell.id}"]`).waitFor()
    await grid.getByText('Live', { exact: true }).waitFor()

    const breach = cell.maxTemp + 8
    for (let i = 0; i < cell.pendingReadings; i++)
      await stack.postReading(
        'CC-1001',
        breach,
        new Date(Date.now() - (cell.pendingReadings - 1 - i) * 1000).toISOString(),
      )
    // Within 2 s of the reading that opened it, without a reload.
    await page.locator('#alerts li.alert').first().waitFor({ timeout: 2000 })
    await page.locator('#cell-state[data-state="alert"]').waitFor({ timeout: 2000 })
    expect(await page.locator('#alerts li.alert').first().textContent()).toContain('HIGH TEMP')
    await grid.locator(`a[data-cell="${cell.id}"][data-state="alert"]`).waitFor({ timeout: 2000 })
    expect(await notReloaded()).toBe(true)
    await page.screenshot({ path: join(DOCS, 'cell.png'), fullPage: true })
    await grid.screenshot({ path: join(SHOTS, 'coldchain-grid-alert.png'), fullPage: true })
    await grid.context().close()

    const alert = page.locator('#alerts li.alert').first()
    const id = await alert.getAttribute('data-alert')
    await alert.getByLabel('Note').fill('Door closed, compressor restarted')
    await alert.getByRole('button', { name: 'Resolve' }).click()
    await page.locator(`#alerts li[data-alert="${id}"]`).waitFor({ state: 'detached', timeout: 5000 })
    const active = await stack.api<{ id: string }[]>(`/alerts?status=ACTIVE&coldCellId=${cell.id}`, {
      token: adminToken,
    })
    expect(active.map((a) => a.id)).not.toContain(id)
    const resolved = await stack.api<{ id: string; resolutionNote: string | null }[]>(
      `/alerts?status=RESOLVED&coldCellId=${cell.id}&limit=100`,
      { token: adminToken },
    )
    expect(resolved.find((a) => a.id === id)?.resolutionNote).toBe('Door closed, compressor restarted')
  })

  it('a user runs a job now and its execution appears in the list as it finishes', async () => {
    await open('user@outpost.dev', 'cron-run-now')
    await page.getByRole('heading', { name: 'Cron jobs' }).waitFor()
    const row = page.locator('#jobs tr', { hasText: 'Heartbeat' })
    await row.getByRole('button', { name: 'Run Heartbeat now' }).click()
    const pending = page.locator('#executions li').first()
    await pending.waitFor({ timeout: 2000 })
    const executionId = await pending.getAttribute('data-execution')
    const token = await stack.login('user@outpost.dev')
    // Once the execution is recorded as finished, the page shows it within 2 s (the job.execution event).
    const deadline = Date.now() + 30_000
    let finished: { status: string } | undefined
    while (!finished && Date.now() < deadline) {
      const run = await stack.api<{ status: string; finishedAt: string | null }>(`/logs/${executionId}`, { token })
      if (run.finishedAt) finished = run
      else await new Promise((r) => setTimeout(r, 100))
    }
    expect(finished?.status).toBe('SUCCESS')
    await page
      .locator(`#executions li[data-execution="${executionId}"][data-status="SUCCESS"]`)
      .waitFor({ timeout: 2000 })
    expect(await notReloaded()).toBe(true)
  })

  it('after the server drops the socket, the page reconnects and shows every reading once', async () => {
    const cell = await cellOf('CC-1002')
    await open('tech@outpost.dev', 'reconnect')
    await page.goto(`${stack.url}/dashboard#/cells/${cell.id}`)
    await page.getByText('Live', { exact: true }).waitFor()
    const mid = (cell.minTemp + cell.maxTemp) / 2
    const base = Date.now() - 60_000
    const times = Array.from({ length: 8 }, (_, i) => new Date(base + i * 1000).toISOString())
    await stack.postReading('CC-1002', mid, times[0])
    await stack.postReading('CC-1002', mid, times[1])
    await page.locator(`#live-readings li[data-recorded-at="${times[1]}"]`).waitFor({ timeout: 2000 })

    expect(stack.relay.dropSockets(1500)).toBeGreaterThan(0)
    await page.getByText('Reconnecting…').waitFor({ timeout: 2000 })
    await page.screenshot({ path: join(SHOTS, 'reconnecting.png') })
    for (const t of times.slice(2, 6)) await stack.postReading('CC-1002', mid, t)
    await page.getByText('Live', { exact: true }).waitFor({ timeout: 15_000 })
    for (const t of times.slice(6)) await stack.postReading('CC-1002', mid, t)

    await page.locator(`#live-readings li[data-recorded-at="${times[7]}"]`).waitFor({ timeout: 5000 })
    const shown = await page
      .locator('#live-readings li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-recorded-at')))
    expect([...shown].reverse()).toEqual(times)
    expect(await notReloaded()).toBe(true)
  })

  it('a customer sees its own cold cells and never another customer’s', async () => {
    const cells = await stack.api<Cell[]>('/coldcells?limit=100', { token: adminToken })
    const own = await stack.api<Cell[]>('/coldcells?limit=100', { token: await stack.login('customer1@outpost.dev') })
    const others = cells.filter((c) => !own.some((o) => o.id === c.id))
    expect(own.length).toBeGreaterThan(0)
    expect(others.length).toBeGreaterThan(0)

    await open('customer1@outpost.dev', 'customer-scope', { width: 390, height: 844 })
    await page.locator('a[data-cell]').first().waitFor()
    const shown = await page.locator('a[data-cell]').evaluateAll((els) => els.map((e) => e.getAttribute('data-cell')))
    expect(shown.sort()).toEqual(own.map((c) => c.id).sort())
    await page.screenshot({ path: join(SHOTS, 'customer-grid-phone.png'), fullPage: true })
    // Not by URL either: the API answers 404 and the page shows the error, no data.
    await page.goto(`${stack.url}/dashboard#/cells/${others[0]?.id}`)
    await page
      .locator('p.error[role="alert"]')
      .filter({ hasText: /not found/i })
      .waitFor()
    expect(await page.locator('#cell-state').count()).toBe(0)
  })

  it('every view renders (the README screenshots)', async () => {
    mkdirSync(DOCS, { recursive: true })
    shot = ''
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage()
    await page.goto(`${stack.url}/dashboard`)
    await page.getByRole('heading', { name: /Demo accounts/ }).waitFor()
    await page.screenshot({ path: join(DOCS, 'signin.png') })
    await page.getByRole('button', { name: 'admin: admin@outpost.dev' }).click()
    await page.locator('a[data-cell]').first().waitFor()
    await page.getByText('Live', { exact: true }).waitFor()
    await page.screenshot({ path: join(DOCS, 'coldchain.png'), fullPage: true })
    await page.getByRole('link', { name: 'Operations' }).click()
    await page.locator('#health li').first().waitFor()
    await page.locator('#system-jobs tr').first().waitFor()
    await page.waitForTimeout(6500) // /metrics samples at 0, 1 and 6 s: two points of each rate
    expect(Number(await page.locator('[data-backlog="email"]').textContent())).toBeGreaterThanOrEqual(0)
    await page.screenshot({ path: join(DOCS, 'operations.png'), fullPage: true })
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByRole('button', { name: 'user: user@outpost.dev' }).click()
    await page.locator('#jobs tr[data-job]').first().waitFor()
    await page.locator('#executions li').first().waitFor()
    await page.screenshot({ path: join(DOCS, 'cron.png'), fullPage: true })
  })
})
